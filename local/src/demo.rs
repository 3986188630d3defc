//! The demo catalogue shipped in `local/demo/`, and loading it into a table.

use std::path::PathBuf;

use shop::{Product, Store, StoreError};

/// Path of the demo catalogue JSON.
pub fn catalogue_path() -> PathBuf {
    standins::process::repo_root().join("local/demo/catalogue.json")
}

/// Folder of the demo product images.
pub fn images_dir() -> PathBuf {
    standins::process::repo_root().join("local/demo/images")
}

/// Reads and validates the demo catalogue.
pub fn load_catalogue() -> anyhow::Result<Vec<Product>> {
    let path = catalogue_path();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let products: Vec<Product> = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("parsing {}: {e}", path.display()))?;
    for p in &products {
        p.validate()
            .map_err(|e| anyhow::anyhow!("{}: product {}: {e}", path.display(), p.sku))?;
    }
    Ok(products)
}

/// Puts products into the table as new items (version 1). Items that exist
/// already are left as they are (a kept `--data-dir` table keeps its edits).
/// Returns how many were created.
pub async fn put_catalogue(store: &Store, products: &[Product]) -> Result<usize, StoreError> {
    let mut created = 0;
    for chunk in products.chunks(16) {
        let puts = chunk.iter().map(|p| {
            let mut p = p.clone();
            p.version = 0;
            let store = store.clone();
            async move { store.put_product(&p).await }
        });
        for result in futures::future::join_all(puts).await {
            match result {
                Ok(_) => created += 1,
                Err(StoreError::ConditionFailed(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(created)
}
