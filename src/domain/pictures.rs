//! Product pictures as the site serves them: an upload's type sniffed from its bytes (JPEG, PNG
//! or WebP), decoded within limits, cover-cropped to 4:3 and re-encoded as JPEG in each width the
//! menu uses.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// The widths the site serves, smallest first; each picture is 4:3.
pub const WIDTHS: [u32; 3] = [320, 640, 960];
/// Height of a picture `width` wide (4:3).
pub const fn height_of(width: u32) -> u32 {
    width * 3 / 4
}
/// What every size is encoded as.
pub const CONTENT_TYPE: &str = "image/jpeg";
/// The file extension of that encoding in the pictures' URLs.
pub const EXTENSION: &str = "jpg";
/// The types an upload may be, as their media types.
pub const ACCEPTED: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];
const QUALITY: u8 = 82;

/// How large an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PictureLimits {
    /// Bytes of the uploaded file.
    pub max_bytes: usize,
    /// Pixels of the decoded picture (width times height).
    pub max_pixels: u64,
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureRefusal {
    #[error("not a JPEG, PNG or WebP picture")]
    WrongType,
    #[error("{width}×{height} pixels is more than the limit of {max_pixels}")]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("the picture cannot be read: {0}")]
    Unreadable(String),
}

/// One size of a picture, encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PictureSize {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// A picture ready to store: its hash (names it in URLs) and every size in [`WIDTHS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub hash: String,
    pub sizes: Vec<PictureSize>,
}

/// The type of an upload, from its first bytes (never from its name or stated type).
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, PictureRefusal> {
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(PictureRefusal::WrongType),
    }
}

/// The hash naming a picture in its URLs: 16 hex digits of the SHA-256 of `bytes`.
pub fn hash_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads an upload and makes every size of it. CPU-bound: call it off the async executor.
pub fn prepare(upload: &[u8], limits: PictureLimits) -> Result<Picture, PictureRefusal> {
    let format = sniff(upload)?;
    let mut reader = ImageReader::with_format(Cursor::new(upload), format);
    let (width, height) = ImageReader::with_format(Cursor::new(upload), format)
        .into_dimensions()
        .map_err(|e| PictureRefusal::Unreadable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(PictureRefusal::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    let mut decoding = Limits::default();
    // Four bytes a pixel for the decoded picture, and as much again for the decoder's own work.
    decoding.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(1 << 20));
    reader.limits(decoding);
    let picture = reader
        .decode()
        .map_err(|e| PictureRefusal::Unreadable(e.to_string()))?;
    Ok(Picture {
        hash: hash_of(upload),
        sizes: sizes_of(&picture)?,
    })
}

/// `picture` cover-cropped to 4:3 and encoded in every width of [`WIDTHS`].
pub fn sizes_of(picture: &DynamicImage) -> Result<Vec<PictureSize>, PictureRefusal> {
    let largest = WIDTHS[WIDTHS.len() - 1];
    let base =
        flattened(&picture.resize_to_fill(largest, height_of(largest), FilterType::CatmullRom));
    WIDTHS
        .iter()
        .map(|&width| {
            let height = height_of(width);
            let sized = if width == largest {
                base.clone()
            } else {
                base.resize_exact(width, height, FilterType::CatmullRom)
            };
            let mut bytes = Vec::new();
            JpegEncoder::new_with_quality(&mut bytes, QUALITY)
                .encode_image(&sized)
                .map_err(|e| PictureRefusal::Unreadable(e.to_string()))?;
            Ok(PictureSize {
                width,
                height,
                bytes,
            })
        })
        .collect()
}

/// `picture` without transparency (JPEG has none): see-through parts come out white, as the
/// menu's cards are.
fn flattened(picture: &DynamicImage) -> DynamicImage {
    if !picture.color().has_alpha() {
        return DynamicImage::ImageRgb8(picture.to_rgb8());
    }
    let rgba = picture.to_rgba8();
    let flat = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let (a, clear) = (u32::from(a), 255 - u32::from(a));
        let mix = |c: u8| u8::try_from((u32::from(c) * a + 255 * clear) / 255).unwrap_or(255);
        image::Rgb([mix(r), mix(g), mix(b)])
    });
    DynamicImage::ImageRgb8(flat)
}

/// The address of one size of a product's picture.
pub fn url_of(product_id: i64, hash: &str, width: u32) -> String {
    format!("/pictures/{product_id}/{hash}-{width}.{EXTENSION}")
}

/// Reads a picture's file name as its URL gives it (`{hash}-{width}.jpg`).
pub fn parse_file_name(name: &str) -> Option<(&str, u32)> {
    let stem = name.strip_suffix(EXTENSION)?.strip_suffix('.')?;
    let (hash, width) = stem.rsplit_once('-')?;
    let width: u32 = width.parse().ok()?;
    let hex = hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && WIDTHS.contains(&width)).then_some((hash, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 120, 40, 128]));
        let mut bytes = Vec::new();
        DynamicImage::ImageRgba8(picture)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    const LIMITS: PictureLimits = PictureLimits {
        max_bytes: 1 << 20,
        max_pixels: 1_000_000,
    };

    #[test]
    fn every_size_is_four_by_three_jpeg() {
        let picture = prepare(&png(500, 100), LIMITS).unwrap();
        assert_eq!(picture.hash.len(), 16);
        for (size, width) in picture.sizes.iter().zip(WIDTHS) {
            assert_eq!((size.width, size.height), (width, width * 3 / 4));
            let decoded = image::load_from_memory(&size.bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (width, width * 3 / 4));
            assert_eq!(sniff(&size.bytes), Ok(ImageFormat::Jpeg));
        }
    }

    #[test]
    fn refuses_other_types_too_many_pixels_and_corrupt_files() {
        assert_eq!(
            prepare(b"GIF89a....", LIMITS),
            Err(PictureRefusal::WrongType)
        );
        assert_eq!(prepare(b"hello", LIMITS), Err(PictureRefusal::WrongType));
        assert!(matches!(
            prepare(&png(1001, 1000), LIMITS),
            Err(PictureRefusal::TooManyPixels { .. })
        ));
        let mut cut = png(50, 50);
        cut.truncate(40);
        assert!(matches!(
            prepare(&cut, LIMITS),
            Err(PictureRefusal::Unreadable(_))
        ));
    }

    #[test]
    fn file_names_round_trip() {
        let url = url_of(7, "0123456789abcdef", 640);
        assert_eq!(url, "/pictures/7/0123456789abcdef-640.jpg");
        let name = url.rsplit('/').next().unwrap();
        assert_eq!(parse_file_name(name), Some(("0123456789abcdef", 640)));
        assert_eq!(parse_file_name("0123456789abcdef-641.jpg"), None);
        assert_eq!(parse_file_name("0123456789abcdeg-640.jpg"), None);
        assert_eq!(parse_file_name("0123456789abcdef-640.png"), None);
    }
}
