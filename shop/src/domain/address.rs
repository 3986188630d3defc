//! Shipping addresses and the countries the shop ships to.

use serde::{Deserialize, Serialize};

/// A country the shop ships to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code: what the API takes and the order stores.
    pub code: &'static str,
    /// Its name in the shop's language (English): what the address form, the order
    /// pages and the emails show.
    pub name: &'static str,
}

/// The countries the shop ships to, by code. The one list: the API's check, the checkout's
/// country menu and the emails' addresses all read it.
#[rustfmt::skip]
pub const COUNTRIES: &[Country] = &[
    Country { code: "AT", name: "Austria" },
    Country { code: "BE", name: "Belgium" },
    Country { code: "CH", name: "Switzerland" },
    Country { code: "DE", name: "Germany" },
    Country { code: "DK", name: "Denmark" },
    Country { code: "ES", name: "Spain" },
    Country { code: "FI", name: "Finland" },
    Country { code: "FR", name: "France" },
    Country { code: "GB", name: "United Kingdom" },
    Country { code: "IE", name: "Ireland" },
    Country { code: "IT", name: "Italy" },
    Country { code: "LU", name: "Luxembourg" },
    Country { code: "NL", name: "Netherlands" },
    Country { code: "NO", name: "Norway" },
    Country { code: "PL", name: "Poland" },
    Country { code: "PT", name: "Portugal" },
    Country { code: "SE", name: "Sweden" },
    Country { code: "US", name: "United States" },
];

/// The country the shop ships to with ISO code `code`.
pub fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.code == code)
}

/// The codes of [`COUNTRIES`], comma-separated (for error messages).
fn country_codes() -> String {
    COUNTRIES
        .iter()
        .map(|c| c.code)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A postal address to ship an order to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// Recipient's name.
    pub name: String,
    /// Street and number.
    pub line1: String,
    /// Flat, floor, company (optional).
    #[serde(default)]
    pub line2: String,
    /// Town or city.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, one of [`COUNTRIES`].
    pub country: String,
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// A required field is blank.
    #[error("address field '{0}' is required")]
    Missing(&'static str),
    /// A field is too long.
    #[error("address field '{0}' is longer than {MAX_FIELD_LEN} characters")]
    TooLong(&'static str),
    /// A field holds a control character (a newline, a tab, NUL, …) or a
    /// line separator: one line of text each, as on a parcel label.
    #[error("address field '{0}' may not contain line breaks or control characters")]
    ControlCharacter(&'static str),
    /// The shop does not ship there.
    #[error("we do not ship to {0:?}; supported countries: {list}", list = country_codes())]
    UnsupportedCountry(String),
}

/// Longest accepted address field.
pub const MAX_FIELD_LEN: usize = 100;

impl Address {
    /// The country's name, as a parcel label and an email write it (the code of a country
    /// the shop no longer ships to, for an order placed before).
    pub fn country_name(&self) -> &str {
        country(&self.country).map_or(self.country.as_str(), |c| c.name)
    }

    /// Checks every field; trims nothing (the caller shows what it got back).
    pub fn validate(&self) -> Result<(), AddressError> {
        let required = [
            ("name", &self.name),
            ("line1", &self.line1),
            ("city", &self.city),
            ("postalCode", &self.postal_code),
            ("country", &self.country),
        ];
        for (field, value) in required {
            if value.trim().is_empty() {
                return Err(AddressError::Missing(field));
            }
        }
        for (field, value) in required.into_iter().chain([("line2", &self.line2)]) {
            if value.chars().count() > MAX_FIELD_LEN {
                return Err(AddressError::TooLong(field));
            }
            if value.chars().any(breaks_the_line) {
                return Err(AddressError::ControlCharacter(field));
            }
        }
        if country(&self.country).is_none() {
            return Err(AddressError::UnsupportedCountry(self.country.clone()));
        }
        Ok(())
    }
}

/// Control characters (C0, DEL, C1: newlines, tabs, NUL, escape sequences)
/// and Unicode's line and paragraph separators: none belongs in an address
/// line, and each would break the emails, the admin list or a label printer.
fn breaks_the_line(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fixtures::address;

    #[test]
    fn accepts_a_full_address() {
        assert_eq!(address().validate(), Ok(()));
    }

    #[test]
    fn refuses_missing_long_and_unsupported() {
        let mut a = address();
        a.city = " ".into();
        assert_eq!(a.validate(), Err(AddressError::Missing("city")));
        let mut a = address();
        a.line2 = "x".repeat(101);
        assert_eq!(a.validate(), Err(AddressError::TooLong("line2")));
        for bad in [
            "1 Main St\nBcc: x",
            "a\rb",
            "tab\there",
            "nul\0",
            "esc\u{1b}[2J",
            "a\u{85}b",
            "a\u{2028}b",
        ] {
            let mut a = address();
            a.line1 = bad.into();
            assert_eq!(
                a.validate(),
                Err(AddressError::ControlCharacter("line1")),
                "{bad:?}"
            );
            let mut a = address();
            a.line2 = bad.into();
            assert_eq!(
                a.validate(),
                Err(AddressError::ControlCharacter("line2")),
                "{bad:?}"
            );
        }
        let mut a = address();
        a.name = "Zoë O'Brien-Núñez, Ltd.".into();
        assert_eq!(a.validate(), Ok(()));
        let mut a = address();
        a.country = "XX".into();
        let err = a.validate().unwrap_err();
        assert!(err.to_string().contains("XX") && err.to_string().contains("GB"));
        assert!(
            serde_json::from_str::<Address>(
                r#"{"name":"a","line1":"b","city":"c","postalCode":"d","country":"GB","evil":1}"#
            )
            .is_err()
        );
    }
}
