//! The production sheet (`GET /api/admin/production?date=…`): what the kitchen bakes for a day,
//! per product and its options, per slot and in all, with the orders behind each line and the
//! inscriptions to write.

use serde::{Deserialize, Serialize};

/// A day's production sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductionSheet {
    /// The day, `YYYY-MM-DD`, in the bakery's time zone.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub date: String,
    /// The bakery's IANA time zone.
    pub time_zone: String,
    /// Orders of the day counted (not cancelled, rejected or failed).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub orders: i64,
    /// Pieces to bake in all.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub total: i64,
    /// Each product to bake, by name.
    pub products: Vec<ProductionLine>,
}

/// One product (with one set of choices) of the sheet: how many in all, and per slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductionLine {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub product_id: i64,
    pub product_name: String,
    /// Pieces for the whole day.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub quantity: i64,
    /// The orders behind it.
    pub order_ids: Vec<i64>,
    /// By slot, earliest first.
    pub slots: Vec<ProductionSlot>,
    /// The names of the choices of its lines, in the product's group order (lines of other
    /// choices are another entry); `[]`: none.
    #[serde(default)]
    pub options: Vec<String>,
    /// The inscriptions to write on its pieces, by order.
    #[serde(default)]
    pub inscriptions: Vec<Inscribed>,
}

/// An inscription to write, on the pieces of one order's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inscribed {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub order_id: i64,
    /// Pieces of the line (each gets the text).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub quantity: i64,
    pub text: String,
}

/// One product's pieces for one slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductionSlot {
    /// The slot's start, RFC 3339 with the bakery's offset.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub start: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub quantity: i64,
    pub order_ids: Vec<i64>,
}
