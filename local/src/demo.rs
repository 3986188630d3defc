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

/// Puts the demo images into the site bucket (`images/<name>`), where every photo of a shop in
/// AWS is: the back office checks that a product's photo keys name photos there, so a demo
/// product's own key must be one. (The rendered site folder also has them, for the gateway.)
pub async fn upload_images(s3: &aws_sdk_s3::Client, bucket: &str) -> anyhow::Result<usize> {
    use futures::{StreamExt, TryStreamExt};
    let mut files = Vec::new();
    for entry in std::fs::read_dir(images_dir())? {
        let path = entry?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    let count = files.len();
    futures::stream::iter(files)
        .map(|path| async move {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| anyhow::anyhow!("{}: not a UTF-8 name", path.display()))?
                .to_owned();
            let key = format!("images/{name}");
            s3.put_object()
                .bucket(bucket)
                .key(&key)
                .content_type(static_site::publish::content_type(&key))
                .body(std::fs::read(&path)?.into())
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("putting {key}: {e}"))?;
            anyhow::Ok(())
        })
        .buffer_unordered(8)
        .try_collect::<()>()
        .await?;
    Ok(count)
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
