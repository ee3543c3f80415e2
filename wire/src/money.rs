//! Shows an amount in the shop's currency the way its locale writes money (`$1,234.50`,
//! `1.234,50 €`, `€ 1.234,50`, `¥1,235`), without ICU: the currencies and locales a bakery in
//! Europe, North America or Australia uses, each spelled out here.
//!
//! Amounts are integer hundredths of the currency's unit everywhere inside the bakery (the API's
//! two-decimal `price`); a currency without minor units (JPY) is shown rounded to whole units.

use serde::{Deserialize, Serialize};

/// A currency the shop can sell in (ISO 4217 code).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[allow(clippy::upper_case_acronyms)] // the ISO codes, as written on the wire
pub enum Currency {
    #[default]
    USD,
    EUR,
    GBP,
    CHF,
    CAD,
    AUD,
    SEK,
    NOK,
    DKK,
    PLN,
    JPY,
}

/// A locale whose way of writing money the shop knows (BCP 47 tag).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    #[default]
    #[serde(rename = "en-US")]
    EnUs,
    #[serde(rename = "en-GB")]
    EnGb,
    #[serde(rename = "de-DE")]
    DeDe,
    #[serde(rename = "fr-FR")]
    FrFr,
    #[serde(rename = "nl-NL")]
    NlNl,
    #[serde(rename = "it-IT")]
    ItIt,
    #[serde(rename = "es-ES")]
    EsEs,
}

const NBSP: char = '\u{a0}';

impl Currency {
    pub const ALL: [Currency; 11] = [
        Currency::USD,
        Currency::EUR,
        Currency::GBP,
        Currency::CHF,
        Currency::CAD,
        Currency::AUD,
        Currency::SEK,
        Currency::NOK,
        Currency::DKK,
        Currency::PLN,
        Currency::JPY,
    ];

    /// The ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::USD => "USD",
            Currency::EUR => "EUR",
            Currency::GBP => "GBP",
            Currency::CHF => "CHF",
            Currency::CAD => "CAD",
            Currency::AUD => "AUD",
            Currency::SEK => "SEK",
            Currency::NOK => "NOK",
            Currency::DKK => "DKK",
            Currency::PLN => "PLN",
            Currency::JPY => "JPY",
        }
    }

    /// The currency of an ISO 4217 code (any case).
    pub fn parse(code: &str) -> Option<Currency> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }

    /// Decimals shown: 0 for JPY, 2 for the others.
    pub fn decimals(self) -> u32 {
        match self {
            Currency::JPY => 0,
            _ => 2,
        }
    }

    /// The sign written with amounts; the ISO code where no sign is unambiguous.
    pub fn symbol(self) -> &'static str {
        match self {
            Currency::USD => "$",
            Currency::EUR => "€",
            Currency::GBP => "£",
            Currency::JPY => "¥",
            Currency::CAD => "CA$",
            Currency::AUD => "A$",
            other => other.code(),
        }
    }
}

impl Locale {
    pub const ALL: [Locale; 7] = [
        Locale::EnUs,
        Locale::EnGb,
        Locale::DeDe,
        Locale::FrFr,
        Locale::NlNl,
        Locale::ItIt,
        Locale::EsEs,
    ];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::EnUs => "en-US",
            Locale::EnGb => "en-GB",
            Locale::DeDe => "de-DE",
            Locale::FrFr => "fr-FR",
            Locale::NlNl => "nl-NL",
            Locale::ItIt => "it-IT",
            Locale::EsEs => "es-ES",
        }
    }

    /// The locale of a BCP 47 tag (any case, `-` or `_`).
    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.trim().replace('_', "-");
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(&tag))
    }

    fn decimal_separator(self) -> char {
        match self {
            Locale::EnUs | Locale::EnGb => '.',
            _ => ',',
        }
    }

    fn group_separator(self) -> char {
        match self {
            Locale::EnUs | Locale::EnGb => ',',
            Locale::FrFr => '\u{202f}',
            _ => '.',
        }
    }

    /// Spanish groups thousands only from five digits on (`1234,50 €`, `12.345,00 €`).
    fn groups_four_digits(self) -> bool {
        self != Locale::EsEs
    }
}

/// How the shop writes money: its currency in its locale's way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyFormat {
    pub currency: Currency,
    pub locale: Locale,
}

impl MoneyFormat {
    /// Writes `hundredths` of the currency's unit: `2999` → `$29.99` (en-US, USD),
    /// `29,99 €` (de-DE, EUR), `€ 29,99` (nl-NL, EUR); JPY `150050` → `¥1,501`.
    pub fn format(self, hundredths: i64) -> String {
        let negative = hundredths < 0;
        let abs = hundredths.unsigned_abs();
        let (units, fraction) = match self.currency.decimals() {
            0 => ((abs + 50) / 100, None),
            _ => (abs / 100, Some(abs % 100)),
        };
        let mut number = group(units, self.locale);
        if let Some(fraction) = fraction {
            number.push(self.locale.decimal_separator());
            number.push_str(&format!("{fraction:02}"));
        }
        let sign = if negative { "-" } else { "" };
        let symbol = self.currency.symbol();
        match self.locale {
            Locale::EnUs | Locale::EnGb => {
                let gap = if symbol.chars().all(char::is_alphabetic) {
                    NBSP.to_string()
                } else {
                    String::new()
                };
                format!("{sign}{symbol}{gap}{number}")
            }
            Locale::NlNl => format!("{symbol}{NBSP}{sign}{number}"),
            _ => format!("{sign}{number}{NBSP}{symbol}"),
        }
    }
}

/// Whole units with the locale's thousands separator.
fn group(units: u64, locale: Locale) -> String {
    let digits = units.to_string();
    if digits.len() <= 3 || (digits.len() == 4 && !locale.groups_four_digits()) {
        return digits;
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(locale.group_separator());
        }
        out.push(d);
    }
    out
}

/// `GET /api/shop`: the shop's name and how it writes money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShopInfo {
    pub name: String,
    /// ISO 4217 code of the currency every price is in.
    pub currency: Currency,
    /// BCP 47 tag of the locale prices are written in.
    pub locale: Locale,
}

impl ShopInfo {
    pub fn money(&self) -> MoneyFormat {
        MoneyFormat {
            currency: self.currency,
            locale: self.locale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(currency: Currency, locale: Locale, hundredths: i64) -> String {
        MoneyFormat { currency, locale }
            .format(hundredths)
            .replace(NBSP, " ")
            .replace('\u{202f}', "_")
    }

    #[test]
    fn the_default_is_todays_dollars() {
        let f = MoneyFormat::default();
        assert_eq!(f.format(0), "$0.00");
        assert_eq!(f.format(5), "$0.05");
        assert_eq!(f.format(2999), "$29.99");
        assert_eq!(f.format(123_456), "$1,234.56");
        assert_eq!(f.format(-450), "-$4.50");
        assert_eq!(f.format(10_000_000_000), "$100,000,000.00");
    }

    #[test]
    fn each_locale_places_symbol_and_separators_its_way() {
        use Currency::*;
        use Locale::*;
        assert_eq!(show(GBP, EnGb, 123_456), "£1,234.56");
        assert_eq!(show(EUR, DeDe, 123_456), "1.234,56 €");
        assert_eq!(show(EUR, FrFr, 123_456), "1_234,56 €");
        assert_eq!(show(EUR, NlNl, 123_456), "€ 1.234,56");
        assert_eq!(show(EUR, NlNl, -450), "€ -4,50");
        assert_eq!(show(EUR, ItIt, 2999), "29,99 €");
        assert_eq!(show(EUR, EsEs, 123_456), "1234,56 €");
        assert_eq!(show(EUR, EsEs, 1_234_567), "12.345,67 €");
        assert_eq!(show(EUR, DeDe, -450), "-4,50 €");
        assert_eq!(show(CHF, DeDe, 450), "4,50 CHF");
        assert_eq!(show(CHF, EnUs, 450), "CHF 4.50");
        assert_eq!(show(CAD, EnUs, 450), "CA$4.50");
        assert_eq!(show(AUD, EnGb, 450), "A$4.50");
        assert_eq!(show(SEK, EnGb, 450), "SEK 4.50");
        assert_eq!(show(PLN, DeDe, 123_456_789), "1.234.567,89 PLN");
    }

    #[test]
    fn yen_have_no_decimals_and_round_half_away_from_zero() {
        use Currency::JPY;
        assert_eq!(show(JPY, Locale::EnUs, 50_000), "¥500");
        assert_eq!(show(JPY, Locale::EnUs, 150_050), "¥1,501");
        assert_eq!(show(JPY, Locale::EnUs, 150_049), "¥1,500");
        assert_eq!(show(JPY, Locale::DeDe, -150_050), "-1.501 ¥");
    }

    #[test]
    fn codes_and_tags_parse_loosely_and_serialize_exactly() {
        assert_eq!(Currency::parse("eur"), Some(Currency::EUR));
        assert_eq!(Currency::parse("XYZ"), None);
        assert_eq!(Locale::parse("de_de"), Some(Locale::DeDe));
        assert_eq!(Locale::parse("pt-BR"), None);
        for c in Currency::ALL {
            assert_eq!(
                serde_json::to_string(&c).unwrap_or_default(),
                format!("\"{}\"", c.code())
            );
        }
        for l in Locale::ALL {
            assert_eq!(
                serde_json::to_string(&l).unwrap_or_default(),
                format!("\"{}\"", l.tag())
            );
        }
    }
}
