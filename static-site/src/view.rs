//! What a page shows of a product: the domain [`Product`] plus the strings
//! and URLs the templates need, computed once per product.

use serde::Serialize;
use shop::{Category, Country, Money, Product, ProductStatus, Sku};

use crate::config::SiteConfig;
use crate::routes;

/// What a page says about availability before the browser's live overlay: only what
/// the product's content decides. Stock is never on a page (a stock change re-renders
/// nothing, ARCHITECTURE.md path 6): the overlay fills the badge from
/// `GET /api/catalogue/stock` ("In stock", "Only 2 left", "Sold out") and enables
/// add-to-cart; until then the badge is empty and the button disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusBadge {
    /// On sale: availability is the overlay's to say.
    Live,
    /// Retired by the owner (a content change, so the page says it).
    Retired,
}

impl StatusBadge {
    /// The badge of a product.
    pub fn of(p: &Product) -> StatusBadge {
        match p.status {
            ProductStatus::Active => StatusBadge::Live,
            ProductStatus::Retired => StatusBadge::Retired,
        }
    }

    /// The text on the badge as rendered (empty until the overlay fills it).
    pub fn label(self) -> &'static str {
        match self {
            StatusBadge::Live => "",
            StatusBadge::Retired => "No longer available",
        }
    }

    /// A CSS class modifier and stable test hook (`badge-pending`, `badge-retired`).
    pub fn class(self) -> &'static str {
        match self {
            StatusBadge::Live => "pending",
            StatusBadge::Retired => "retired",
        }
    }

    /// The schema.org availability for JSON-LD: only a retired product's is known
    /// when the page is rendered (in-stock or sold-out would go stale).
    pub fn schema_availability(self) -> Option<&'static str> {
        match self {
            StatusBadge::Live => None,
            StatusBadge::Retired => Some("https://schema.org/Discontinued"),
        }
    }
}

/// A product prepared for templates.
#[derive(Debug, Clone)]
pub struct ProductView<'a> {
    /// The product itself (text is escaped by the templates).
    pub p: &'a Product,
    /// Its page, `/p/<sku>/`.
    pub url: String,
    /// The price for people, via `Money`'s `Display` ("€19.99").
    pub price: String,
    /// The availability badge as rendered (no stock: see [`StatusBadge`]).
    pub badge: StatusBadge,
    /// URL of the main image, if any.
    pub image: Option<String>,
    /// `srcset` for the main image (empty when there is no image).
    pub srcset: String,
}

impl<'a> ProductView<'a> {
    /// Prepares `p` for templates.
    pub fn new(p: &'a Product, config: &SiteConfig) -> ProductView<'a> {
        let image = p.images.first().map(|k| routes::image(k));
        let srcset = p
            .images
            .first()
            .map(|k| srcset(k, &config.image_widths))
            .unwrap_or_default();
        ProductView {
            p,
            url: routes::product(&p.sku),
            price: p.price.to_string(),
            badge: StatusBadge::of(p),
            image,
            srcset,
        }
    }

    /// True when the product is on sale (not retired); whether any is left is the
    /// live overlay's to say.
    pub fn on_sale(&self) -> bool {
        self.p.status == ProductStatus::Active
    }

    /// `active` or `retired`, as the API spells it.
    pub fn status(&self) -> &'static str {
        match self.p.status {
            ProductStatus::Active => "active",
            ProductStatus::Retired => "retired",
        }
    }

    /// The letter on the placeholder of a product without a photo (see [`initial`]).
    pub fn initial(&self) -> String {
        initial(&self.p.name)
    }
}

/// The first letter or digit of `name`, upper-cased: what the "No photo" placeholder
/// shows, so photo-less cards still differ at a glance. `lib.js`'s `noPhoto` picks the
/// same letter for cards the browser draws (search results, "load more").
pub fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}

/// The `srcset` of an image key: vector images as they are, uploaded photos
/// as their resized variants ([`photos::variant_key`]: `/images/w<width>/<sku>/<ulid>.jpg`).
pub fn srcset(key: &str, widths: &[u32]) -> String {
    if !photos::has_variants(key) || widths.is_empty() {
        return format!("{} 1x", routes::image(key));
    }
    widths
        .iter()
        .map(|w| format!("/images/{} {w}w", photos::variant_key(key, *w)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A category as navigation and the home page show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryLink {
    /// The slug.
    pub slug: Category,
    /// A readable title ("home-decor" → "Home decor").
    pub title: String,
    /// Its listing page.
    pub url: String,
    /// How many products it lists.
    pub count: usize,
}

impl CategoryLink {
    /// Builds the link of `slug` listing `count` products.
    pub fn new(slug: &Category, count: usize) -> CategoryLink {
        CategoryLink {
            slug: slug.clone(),
            title: title_of(slug),
            url: routes::category(slug),
            count,
        }
    }
}

/// A readable title from a slug: first letter up, dashes to spaces.
pub fn title_of(slug: &Category) -> String {
    let s = slug.as_str().replace('-', " ");
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One product in the JSON files the browser filters, searches and appends
/// from (`/data/c/<category>.json`, `/data/search.json`). Compact on purpose, and
/// without stock (the listing asks the live API for it, as the pages do).
#[derive(Debug, Clone, Serialize)]
pub struct ProductSummary<'a> {
    /// The SKU; the page is `/p/<sku>/`.
    pub sku: &'a Sku,
    /// Display name.
    pub name: &'a str,
    /// The description, so a search finds words that are only there.
    #[serde(rename = "desc")]
    pub description: &'a str,
    /// Category slug.
    #[serde(rename = "cat")]
    pub category: &'a Category,
    /// Unit price.
    pub price: Money,
    /// On sale or retired.
    pub status: ProductStatus,
    /// Main image URL.
    #[serde(rename = "img", skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl<'a> ProductSummary<'a> {
    /// The summary of `p`.
    pub fn new(p: &'a Product) -> ProductSummary<'a> {
        ProductSummary {
            sku: &p.sku,
            name: &p.name,
            description: &p.description,
            category: &p.category,
            price: p.price,
            status: p.status,
            image: p.images.first().map(|k| routes::image(k)),
        }
    }
}

/// The countries the shop ships to ([`shop::COUNTRIES`]) as the address form offers them:
/// sorted by name.
pub fn countries() -> Vec<Country> {
    let mut list = shop::COUNTRIES.to_vec();
    list.sort_by(|a, b| natural_cmp(a.name, b.name));
    list
}

/// Orders names as people read them: case aside, and runs of digits by their
/// value, so "Bowl 2" comes before "Bowl 10" (the listings' scripts sort the
/// same way with `Intl.Collator`'s `numeric` option).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let number = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(d) = it.next_if(char::is_ascii_digit) {
                        digits.push(d);
                    }
                    digits.trim_start_matches('0').to_owned()
                };
                let (x, y) = (number(&mut a), number(&mut b));
                let by_value = x.len().cmp(&y.len()).then_with(|| x.cmp(&y));
                if by_value.is_ne() {
                    return by_value;
                }
            }
            (Some(x), Some(y)) => {
                let by_letter = x.to_lowercase().cmp(y.to_lowercase());
                if by_letter.is_ne() {
                    return by_letter;
                }
                a.next();
                b.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{countries, initial, natural_cmp};

    #[test]
    fn the_form_lists_every_shipping_country_by_name() {
        let list = countries();
        assert_eq!(list.len(), shop::COUNTRIES.len());
        let names: Vec<_> = list.iter().map(|c| c.name).collect();
        assert_eq!(&names[..3], ["Austria", "Belgium", "Denmark"]);
    }

    #[test]
    fn numbers_in_names_sort_by_value() {
        let mut names = vec!["Bowl 10", "bowl 2", "Bowl 1", "Apron", "Bowl 02a", "Bowl"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["Apron", "Bowl", "Bowl 1", "bowl 2", "Bowl 02a", "Bowl 10"]
        );
    }

    #[test]
    fn the_placeholder_letter_is_the_first_letter_or_digit() {
        assert_eq!(initial("pewter salt cellar"), "P");
        assert_eq!(initial("“Église” candle"), "É");
        assert_eq!(initial("3 linen napkins"), "3");
        assert_eq!(initial("ß"), "SS");
        assert_eq!(initial("— …"), "");
    }
}
