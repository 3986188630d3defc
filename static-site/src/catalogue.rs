//! Where a catalogue comes from: a JSON file (the demo, a fixture, an
//! export), the shop's table, or a generator for benchmarks.

use std::path::Path;

use shop::{Category, Currency, Money, Product, ProductStatus, Sku};

use crate::error::SiteError;

/// Reads a JSON array of [`Product`] (their serde form, as in
/// `local/demo/catalogue.json`).
pub fn load_file(path: &Path) -> Result<Vec<Product>, SiteError> {
    let text = std::fs::read(path).map_err(|e| SiteError::io(path, e))?;
    serde_json::from_slice(&text).map_err(|e| SiteError::json(path, e))
}

/// Reads every product from the shop's table, with the SDK's default
/// configuration (region, credentials and `AWS_ENDPOINT_URL` from the
/// environment), so the CLI renders what is live.
pub async fn load_table(table: &str) -> Result<Vec<Product>, SiteError> {
    let sdk = shop::config::sdk_config().await;
    let store = shop::Store::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    Ok(store.all_products().await?)
}

/// A made-up catalogue of `count` products over `categories` categories, for
/// benchmarks: realistic field sizes, some sold out, some featured.
pub fn generate(count: usize, categories: usize) -> Vec<Product> {
    const WORDS: &[&str] = &[
        "oak",
        "linen",
        "enamel",
        "brass",
        "stoneware",
        "wool",
        "copper",
        "glass",
        "walnut",
        "cotton",
        "rattan",
        "slate",
        "jute",
        "ceramic",
        "velvet",
        "olive",
    ];
    const THINGS: &[&str] = &[
        "bowl", "lamp", "cushion", "tray", "jar", "throw", "mug", "vase", "basket", "candle",
        "notebook", "planter", "spoon", "towel", "shade", "board",
    ];
    let categories = categories.max(1);
    (0..count)
        .map(|i| {
            let w = WORDS[i % WORDS.len()];
            let t = THINGS[(i / WORDS.len()) % THINGS.len()];
            let sku = Sku::parse(&format!("GEN-{i:07}")).unwrap_or_else(|e| panic!("{e}"));
            let category = Category::parse(&format!("category-{:03}", i % categories))
                .unwrap_or_else(|e| panic!("{e}"));
            Product {
                name: format!("{} {t} no. {i}", capitalise(w)),
                description: format!(
                    "A {w} {t} from our shelves, number {i}. Made to last, kept in the stock room \
                     for too long, now sold off at a fair price. Wipe clean, handle with care, \
                     enjoy for years. Dimensions and care notes on the label."
                ),
                sku: sku.clone(),
                category,
                price: Money::new(500 + ((i * 7919) % 20000) as i64, Currency::Eur),
                stock: (i % 13) as u32,
                status: if i % 97 == 5 {
                    ProductStatus::Retired
                } else {
                    ProductStatus::Active
                },
                images: vec![format!("{sku}.jpg"), format!("{sku}-2.jpg")],
                featured: i % 1000 == 1,
                version: 1,
            }
        })
        .collect()
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
