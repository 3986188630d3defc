//! One read-modify-write for versioned items (orders, products): change the item as read, write
//! it with its version, and on a version conflict re-read and change the current item again.
//! Every back-office action and every effect order-events records goes through it, so none
//! overwrites a concurrent change.

use super::{Store, StoreError};
use crate::domain::{Order, Product};

/// What a change to the item as read decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Write the changed item.
    Write,
    /// Nothing to do: keep the item as read (nothing is written).
    Keep,
}

/// How a read-modify-write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modified<T> {
    /// The change was written: the item as saved (its version bumped).
    Written(T),
    /// The change found nothing to do: the item as read.
    Kept(T),
    /// Every try met a concurrent write: the item keeps changing.
    Busy,
}

/// An item written with optimistic versions.
trait Versioned: Clone + Sized {
    /// Reads the current item again.
    async fn reread(&self, store: &Store) -> Result<Self, StoreError>;
    /// Writes the item if its stored version is still the one it was read at.
    async fn save(&self, store: &Store) -> Result<Self, StoreError>;
    /// Marks a change about to be written (a last-change time, for the items that keep one).
    fn touch(&mut self) {}
}

impl Versioned for Order {
    async fn reread(&self, store: &Store) -> Result<Self, StoreError> {
        store.get_order(&self.customer, &self.id).await
    }

    async fn save(&self, store: &Store) -> Result<Self, StoreError> {
        store.update_order(self).await
    }

    fn touch(&mut self) {
        self.updated_at = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
    }
}

impl Versioned for Product {
    async fn reread(&self, store: &Store) -> Result<Self, StoreError> {
        store.get_product(&self.sku).await
    }

    async fn save(&self, store: &Store) -> Result<Self, StoreError> {
        store.put_product(self).await
    }
}

impl Store {
    /// Applies `change` to `order` (as the caller read it) and writes it with its version
    /// (and a new `updated_at`); on a version conflict re-reads the order and applies `change`
    /// to the current one, at most `tries` writes in all. `change` may refuse (its error is
    /// answered as it is) or find nothing to do ([`Change::Keep`]).
    pub async fn modify_order<E: From<StoreError>>(
        &self,
        order: Order,
        tries: usize,
        change: impl FnMut(&mut Order) -> Result<Change, E>,
    ) -> Result<Modified<Order>, E> {
        self.modify(order, tries, change).await
    }

    /// [`Store::modify_order`] for a product (which keeps no last-change time).
    pub async fn modify_product<E: From<StoreError>>(
        &self,
        product: Product,
        tries: usize,
        change: impl FnMut(&mut Product) -> Result<Change, E>,
    ) -> Result<Modified<Product>, E> {
        self.modify(product, tries, change).await
    }

    async fn modify<T: Versioned, E: From<StoreError>>(
        &self,
        mut current: T,
        tries: usize,
        mut change: impl FnMut(&mut T) -> Result<Change, E>,
    ) -> Result<Modified<T>, E> {
        for attempt in 0..tries {
            if attempt > 0 {
                current = current.reread(self).await?;
            }
            let mut next = current.clone();
            if change(&mut next)? == Change::Keep {
                return Ok(Modified::Kept(current));
            }
            next.touch();
            match next.save(self).await {
                Ok(saved) => return Ok(Modified::Written(saved)),
                Err(StoreError::VersionConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Modified::Busy)
    }
}
