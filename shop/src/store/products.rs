//! Products: optimistic-versioned writes, reads, and catalogue listings.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{KeysAndAttributes, Select};

use super::keys::{CATALOGUE, CursorShape, key_map, n, product_item, product_key, s};
use super::table::{GSI1, GSI1PK, GSI1SK};
use super::{Item, Page, Store, StoreError};
use crate::domain::{Category, Product, Sku};

impl Store {
    /// Saves a product with optimistic locking and returns it as stored.
    ///
    /// `product.version` is the version the caller read: 0 means "create, it
    /// must not exist yet"; otherwise the stored version must still equal it.
    /// The stored version is one higher. A stale version is
    /// [`StoreError::VersionConflict`]; creating an existing SKU is
    /// [`StoreError::ConditionFailed`].
    pub async fn put_product(&self, product: &Product) -> Result<Product, StoreError> {
        let expected = product.version;
        let mut next = product.clone();
        next.version = expected + 1;
        let item = product_item(&next)?;
        if expected == 0 {
            return if self.put_new(item).await? {
                Ok(next)
            } else {
                Err(StoreError::ConditionFailed(format!(
                    "product {} already exists",
                    product.sku
                )))
            };
        }
        let put = self
            .put(item)
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(expected))
            .send()
            .await;
        match put.map_err(StoreError::from) {
            Ok(_) => Ok(next),
            Err(StoreError::ConditionFailed(_)) => Err(StoreError::VersionConflict { expected }),
            Err(e) => Err(e),
        }
    }

    /// Reads one product (strongly consistent: stock must be current).
    pub async fn get_product(&self, sku: &Sku) -> Result<Product, StoreError> {
        self.get_item(product_key(sku))
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Reads several products at once (for pricing a cart). Missing SKUs are
    /// simply absent from the map.
    pub async fn get_products(&self, skus: &[Sku]) -> Result<HashMap<Sku, Product>, StoreError> {
        let mut unique: Vec<&Sku> = skus.iter().collect();
        unique.sort();
        unique.dedup();
        let keys = unique
            .into_iter()
            .map(|sku| {
                let (pk, sk) = product_key(sku);
                key_map(pk, sk)
            })
            .collect();
        let mut found = HashMap::new();
        for item in self.batch_get(keys).await? {
            let p: Product = serde_dynamo::from_item(item)?;
            found.insert(p.sku.clone(), p);
        }
        Ok(found)
    }

    /// Reads the items with `keys`, consistently, 100 keys a call (BatchGetItem's limit),
    /// asking again for the keys a call leaves unprocessed. Missing items are absent.
    pub(crate) async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(100) {
            let mut keys = chunk.to_vec();
            for _attempt in 0..10 {
                if keys.is_empty() {
                    break;
                }
                let ka = KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(true)
                    .build()?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, ka)
                    .send()
                    .await?;
                found.extend(
                    out.responses
                        .unwrap_or_default()
                        .remove(&self.table)
                        .unwrap_or_default(),
                );
                keys = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
            if !keys.is_empty() {
                return Err(StoreError::Retryable(
                    "batch get left keys unprocessed".into(),
                ));
            }
        }
        Ok(found)
    }

    /// Lists the catalogue (all products, or one category) in SKU order within
    /// each category, one page at a time. Retired products are included: the
    /// caller decides what to show.
    pub async fn list_products(
        &self,
        category: Option<&Category>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Product>, StoreError> {
        let mut req = self
            .query()
            .index_name(GSI1)
            .limit(limit.clamp(1, 1000))
            .select(Select::AllAttributes)
            .expression_attribute_names("#pk", GSI1PK)
            .expression_attribute_values(":pk", s(CATALOGUE));
        req = match category {
            Some(c) => req
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", GSI1SK)
                .expression_attribute_values(":prefix", s(format!("{c}#"))),
            None => req.key_condition_expression("#pk = :pk"),
        };
        let prefix = category.map(|c| format!("{c}#"));
        let shape = CursorShape::gsi1(CATALOGUE, prefix.as_deref());
        self.query_page(req, cursor, &shape).await
    }

    /// Every product of the catalogue, following all pages.
    pub async fn all_products(&self) -> Result<Vec<Product>, StoreError> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.list_products(None, 500, cursor.as_deref()).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
    }
}
