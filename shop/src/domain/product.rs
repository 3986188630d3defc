//! Products: what the shop sells, with price, stock and status.

use serde::{Deserialize, Serialize};

use super::money::Money;
use super::sku::{Category, Sku};

/// Whether a product can be bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    /// On sale (if in stock).
    Active,
    /// Withdrawn by the owner: shown as unavailable, never sold.
    Retired,
}

/// A product of the catalogue.
///
/// `version` is bumped by every write so concurrent edits can be detected
/// (optimistic locking); `stock` is a count that never goes below zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// Its stock-keeping unit.
    pub sku: Sku,
    /// Display name.
    pub name: String,
    /// Plain-text description (rendered escaped).
    pub description: String,
    /// The category it is listed under.
    pub category: Category,
    /// Unit price.
    pub price: Money,
    /// Units on the shelf.
    pub stock: u32,
    /// On sale or retired.
    pub status: ProductStatus,
    /// Image object keys (relative to the site's image prefix), first is the main one.
    #[serde(default)]
    pub images: Vec<String>,
    /// Shown on the home page.
    #[serde(default)]
    pub featured: bool,
    /// Optimistic-lock version; 0 before the first save.
    #[serde(default)]
    pub version: u64,
}

impl Product {
    /// True when a shopper can add it to a cart.
    pub fn is_available(&self) -> bool {
        self.status == ProductStatus::Active && self.stock > 0
    }

    /// True when it is active but has no stock left.
    pub fn is_sold_out(&self) -> bool {
        self.status == ProductStatus::Active && self.stock == 0
    }
}

/// Limits on product text, so a page or email cannot be blown up by one field.
pub const MAX_NAME_LEN: usize = 120;
/// See [`MAX_NAME_LEN`].
pub const MAX_DESCRIPTION_LEN: usize = 4000;

/// Why product data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductError {
    /// A name must be present and short.
    #[error("product name must be 1–{MAX_NAME_LEN} characters")]
    Name,
    /// A description must be short.
    #[error("product description must be at most {MAX_DESCRIPTION_LEN} characters")]
    Description,
    /// A price must not be negative.
    #[error("price must not be negative")]
    NegativePrice,
}

impl Product {
    /// Checks the fields a person types, before a save.
    pub fn validate(&self) -> Result<(), ProductError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(ProductError::Name);
        }
        if self.description.chars().count() > MAX_DESCRIPTION_LEN {
            return Err(ProductError::Description);
        }
        if self.price.amount < 0 {
            return Err(ProductError::NegativePrice);
        }
        Ok(())
    }
}
