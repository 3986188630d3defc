//! Helpers shared by the integration tests: the demo catalogue and file reading.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use shop::{Product, Sku};
use static_site::{SiteConfig, catalogue};

/// The repository's demo catalogue.
pub(crate) fn demo() -> Vec<Product> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../local/demo/catalogue.json");
    catalogue::load_file(&path).unwrap()
}

pub(crate) fn demo_images() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../local/demo/images")
}

pub(crate) fn config() -> SiteConfig {
    SiteConfig {
        base_url: "https://shop.example".to_owned(),
        ..SiteConfig::default()
    }
}

pub(crate) fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub(crate) fn product_mut<'a>(products: &'a mut [Product], sku: &str) -> &'a mut Product {
    let sku = Sku::parse(sku).unwrap();
    products.iter_mut().find(|p| p.sku == sku).unwrap()
}

/// The JSON-LD block of a page, parsed.
pub(crate) fn json_ld(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("a JSON-LD block")
        + "<script type=\"application/ld+json\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}
