//! The `[catalog]` section: how large an uploaded product picture may be.

use serde::{Deserialize, Serialize};

/// Limits of product picture uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogSettings {
    /// Largest uploaded picture file, in bytes (larger: 413).
    pub picture_max_bytes: usize,
    /// Most pixels (width times height) of an uploaded picture (more: 413); bounds the memory
    /// one decode takes (about 4 bytes a pixel).
    pub picture_max_pixels: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        CatalogSettings {
            picture_max_bytes: 5 * 1024 * 1024,
            picture_max_pixels: 16_000_000,
        }
    }
}
