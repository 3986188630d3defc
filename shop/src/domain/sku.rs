//! Stock-keeping units and category slugs: validated identifiers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not a valid SKU.
    #[error(
        "malformed SKU {0:?}: use 2–32 characters A–Z, 0–9 and '-', starting with a letter or digit"
    )]
    Sku(String),
    /// Not a valid category slug.
    #[error("malformed category {0:?}: use 1–40 characters a–z, 0–9 and '-'")]
    Category(String),
}

/// A product's stock-keeping unit, e.g. `MUG-0042`.
///
/// Upper-case ASCII letters, digits and dashes, so it is safe in a table key,
/// a URL path (`/p/<sku>/`) and a file name without escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    /// Validates `s` as a SKU. Lower case is accepted and upper-cased.
    pub fn parse(s: &str) -> Result<Sku, IdError> {
        let up = s.trim().to_ascii_uppercase();
        let ok = (2..=32).contains(&up.len())
            && up
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
            && up.as_bytes()[0] != b'-';
        if ok {
            Ok(Sku(up))
        } else {
            Err(IdError::Sku(s.to_owned()))
        }
    }

    /// The SKU text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sku {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Sku::parse(&value)
    }
}

impl From<Sku> for String {
    fn from(s: Sku) -> String {
        s.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A category slug, e.g. `kitchen`: used in paths (`/c/<category>/`) and keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(String);

impl Category {
    /// Validates `s` as a category slug.
    pub fn parse(s: &str) -> Result<Category, IdError> {
        let ok = (1..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Category(s.to_owned()))
        } else {
            Err(IdError::Category(s.to_owned()))
        }
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Category {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Category::parse(&value)
    }
}

impl From<Category> for String {
    fn from(c: Category) -> String {
        c.0
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_skus() {
        assert_eq!(Sku::parse("mug-0042").unwrap().as_str(), "MUG-0042");
        assert_eq!(Sku::parse("AB").unwrap().as_str(), "AB");
    }

    #[test]
    fn refuses_malformed_skus() {
        for bad in [
            "",
            "A",
            "-AB",
            "AB#1",
            "A B",
            "../etc",
            "ÄB",
            &"A".repeat(33),
            "PRODUCT#X",
        ] {
            let err = Sku::parse(bad).unwrap_err();
            assert!(err.to_string().contains("malformed SKU"), "{bad}");
        }
        assert!(serde_json::from_str::<Sku>("\"a/b\"").is_err());
    }

    #[test]
    fn validates_categories() {
        assert!(Category::parse("home-decor").is_ok());
        assert!(Category::parse("Home").is_err());
        assert!(Category::parse("").is_err());
        assert!(Category::parse("a/b").is_err());
    }
}
