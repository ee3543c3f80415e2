//! Money as integer cents; it becomes a two-decimal number only at the JSON edge.

use std::fmt;

/// An amount in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub i64);

impl Money {
    /// The amount as the API's two-decimal number.
    pub fn to_price(self) -> f64 {
        bakery_wire::cents_to_price(self.0)
    }

    /// `unit × quantity`, or `None` on overflow.
    pub fn times(self, quantity: i64) -> Option<Money> {
        self.0.checked_mul(quantity).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, (self.0 % 100).abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money(2999).to_string(), "29.99");
        assert_eq!(Money(450).to_string(), "4.50");
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(2999).times(2), Some(Money(5998)));
        assert_eq!(Money(i64::MAX).times(2), None);
    }
}
