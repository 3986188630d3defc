//! The single-table store against a real DynamoDB Local.

use std::sync::atomic::{AtomicU32, Ordering};

use shop::store::table;
use shop::{
    CartLine, Category, Currency, Money, Order, OrderStatus, Product, ProductStatus, Sku, Store,
    StoreError,
};

static TABLES: AtomicU32 = AtomicU32::new(0);

/// A fresh table in the shared DynamoDB Local, so tests do not see each other's items.
async fn store() -> Store {
    let ddb = standins::services::dynamodb();
    let client = standins::aws::dynamodb_client(&ddb.endpoint()).await;
    let name = format!(
        "shop-test-{}-{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::SeqCst)
    );
    table::create_table(&client, &name)
        .await
        .expect("create table");
    Store::new(client, name)
}

fn product(sku: &str, category: &str, stock: u32) -> Product {
    Product {
        sku: Sku::parse(sku).unwrap(),
        name: format!("Product {sku}"),
        description: "A thing".into(),
        category: Category::parse(category).unwrap(),
        price: Money::new(1250, Currency::Eur),
        stock,
        status: ProductStatus::Active,
        images: vec![],
        featured: false,
        version: 0,
    }
}

fn line(sku: &str, quantity: u32) -> CartLine {
    CartLine {
        sku: Sku::parse(sku).unwrap(),
        quantity,
    }
}

fn order(customer: &str, id: &str) -> Order {
    shop::fixtures::order(
        id,
        customer,
        "shopper@example.com",
        vec![shop::fixtures::line("A-1", 1000, 1)],
        "pi_123",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_buyers_for_twenty_units_never_oversell() {
    let store = store().await;
    store
        .put_product(&product("MUG-1", "kitchen", 20))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                // Retry only what DynamoDB says is retryable; a short-stock answer is final.
                loop {
                    match store.decrement_stock(&[line("MUG-1", 1)], vec![]).await {
                        Err(e) if e.is_retryable() => continue,
                        other => return other,
                    }
                }
            })
        })
        .collect();
    let mut won = 0;
    let mut short = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::InsufficientStock(skus)) => {
                assert_eq!(skus, vec![Sku::parse("MUG-1").unwrap()]);
                short += 1;
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!((won, short), (20, 30));
    let after = store
        .get_product(&Sku::parse("MUG-1").unwrap())
        .await
        .unwrap();
    assert_eq!(after.stock, 0);
    // One more buyer still cannot take a unit that is not there.
    assert!(matches!(
        store.decrement_stock(&[line("MUG-1", 1)], vec![]).await,
        Err(StoreError::InsufficientStock(_))
    ));
    assert_eq!(store.get_product(&after.sku).await.unwrap().stock, 0);
}

#[tokio::test]
async fn a_short_line_changes_nothing() {
    let store = store().await;
    store
        .put_product(&product("A-1", "kitchen", 5))
        .await
        .unwrap();
    store
        .put_product(&product("B-1", "kitchen", 1))
        .await
        .unwrap();
    let err = store
        .decrement_stock(&[line("A-1", 2), line("B-1", 2)], vec![])
        .await
        .unwrap_err();
    match err {
        StoreError::InsufficientStock(skus) => assert_eq!(skus, vec![Sku::parse("B-1").unwrap()]),
        other => panic!("expected insufficient stock, got {other}"),
    }
    assert_eq!(
        store
            .get_product(&Sku::parse("A-1").unwrap())
            .await
            .unwrap()
            .stock,
        5
    );
    assert_eq!(
        store
            .get_product(&Sku::parse("B-1").unwrap())
            .await
            .unwrap()
            .stock,
        1
    );
    // An unknown SKU is short too, and still nothing moves.
    assert!(matches!(
        store.decrement_stock(&[line("A-1", 1), line("NOPE-1", 1)], vec![]).await,
        Err(StoreError::InsufficientStock(s)) if s == vec![Sku::parse("NOPE-1").unwrap()]
    ));
    assert_eq!(
        store
            .get_product(&Sku::parse("A-1").unwrap())
            .await
            .unwrap()
            .stock,
        5
    );
    // Enough for both: both move, in one step.
    store
        .decrement_stock(&[line("A-1", 2), line("B-1", 1)], vec![])
        .await
        .unwrap();
    assert_eq!(
        store
            .get_product(&Sku::parse("A-1").unwrap())
            .await
            .unwrap()
            .stock,
        3
    );
    assert_eq!(
        store
            .get_product(&Sku::parse("B-1").unwrap())
            .await
            .unwrap()
            .stock,
        0
    );
}

#[tokio::test]
async fn stock_and_order_move_together_or_not_at_all() {
    let store = store().await;
    store
        .put_product(&product("A-1", "kitchen", 5))
        .await
        .unwrap();
    let o = order("sub-1", "01JORDER00000000000000001");
    store.put_order_if_absent(&o).await.unwrap();
    let mut confirmed = o.clone();
    confirmed.status = OrderStatus::Confirmed;
    // A stale order version makes the whole transaction fail: stock is untouched.
    let mut stale = confirmed.clone();
    stale.version = 7;
    let item = store.order_update_item(&stale).unwrap();
    assert!(matches!(
        store.decrement_stock(&[line("A-1", 1)], vec![item]).await,
        Err(StoreError::ConditionFailed(_))
    ));
    assert_eq!(
        store
            .get_product(&Sku::parse("A-1").unwrap())
            .await
            .unwrap()
            .stock,
        5
    );
    let item = store.order_update_item(&confirmed).unwrap();
    store
        .decrement_stock(&[line("A-1", 1)], vec![item])
        .await
        .unwrap();
    assert_eq!(
        store
            .get_product(&Sku::parse("A-1").unwrap())
            .await
            .unwrap()
            .stock,
        4
    );
    let stored = store.get_order("sub-1", &o.id).await.unwrap();
    assert_eq!((stored.status, stored.version), (OrderStatus::Confirmed, 1));
}

#[tokio::test]
async fn stock_goes_back_with_the_order_once_and_never_to_a_missing_product() {
    let store = store().await;
    store
        .put_product(&product("A-1", "kitchen", 5))
        .await
        .unwrap();
    store
        .put_product(&product("B-1", "kitchen", 0))
        .await
        .unwrap();
    let stock = |sku: &'static str| {
        let store = store.clone();
        async move {
            let p = store.get_product(&Sku::parse(sku).unwrap()).await.unwrap();
            (p.stock, p.version)
        }
    };
    let (_, a_version) = stock("A-1").await;
    let o = order("sub-1", "01JORDER00000000000000002");
    store.put_order_if_absent(&o).await.unwrap();
    let mut restocked = o.clone();
    restocked.add_effect(shop::Effect::Restock);
    let lines = [line("A-1", 2), line("B-1", 3)];

    // A stale order version: nothing goes back.
    let mut stale = restocked.clone();
    stale.version = 7;
    let item = store.order_update_item(&stale).unwrap();
    assert!(matches!(
        store.increment_stock(&lines, vec![item]).await,
        Err(StoreError::ConditionFailed(_))
    ));
    assert_eq!(stock("A-1").await, (5, a_version));
    assert_eq!(stock("B-1").await.0, 0);

    // With the order's version: every line goes back, the product versions move, the order
    // records the effect.
    let item = store.order_update_item(&restocked).unwrap();
    store.increment_stock(&lines, vec![item]).await.unwrap();
    assert_eq!(stock("A-1").await, (7, a_version + 1));
    assert_eq!(stock("B-1").await.0, 3);
    let stored = store.get_order("sub-1", &o.id).await.unwrap();
    assert_eq!(
        (stored.effects.clone(), stored.version),
        (vec![shop::Effect::Restock], 1)
    );

    // The same transaction again (a redelivery that read the order before): refused whole.
    let item = store.order_update_item(&restocked).unwrap();
    assert!(matches!(
        store.increment_stock(&lines, vec![item]).await,
        Err(StoreError::ConditionFailed(_))
    ));
    assert_eq!(stock("A-1").await.0, 7);

    // A product that does not exist: nothing is written, and nothing is created for it.
    let item = store.order_update_item(&stored).unwrap();
    let err = store
        .increment_stock(&[line("A-1", 1), line("GONE-1", 1)], vec![item])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::MissingProducts(s) if s == &[Sku::parse("GONE-1").unwrap()]),
        "{err:?}"
    );
    assert_eq!(stock("A-1").await.0, 7);
    assert!(matches!(
        store.get_product(&Sku::parse("GONE-1").unwrap()).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.get_order("sub-1", &o.id).await.unwrap().version, 1);
}

#[tokio::test]
async fn orders_are_put_once_and_found_by_customer_status_and_id() {
    let store = store().await;
    let o = order("sub-1", "01JORDER00000000000000001");
    store.put_order_if_absent(&o).await.unwrap();
    let err = store.put_order_if_absent(&o).await.unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed(_)), "{err}");
    assert_eq!(store.get_order("sub-1", &o.id).await.unwrap(), o);
    assert!(matches!(
        store.get_order("sub-2", &o.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.find_order(&o.id).await.unwrap().customer, "sub-1");
    assert!(matches!(
        store.find_order("01JNOPE").await,
        Err(StoreError::NotFound)
    ));

    let mut second = order("sub-1", "01JORDER00000000000000002");
    second.created_at = "2026-11-23T11:00:00Z".into();
    store.put_order_if_absent(&second).await.unwrap();
    store
        .put_order_if_absent(&order("sub-2", "01JORDER00000000000000003"))
        .await
        .unwrap();
    let mine = store
        .list_orders_by_customer("sub-1", 10, None)
        .await
        .unwrap();
    assert_eq!(
        mine.items.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
        [second.id.as_str(), o.id.as_str()]
    );

    let mut shipped = store.get_order("sub-1", &o.id).await.unwrap();
    shipped.status = OrderStatus::Confirmed;
    let shipped = store.update_order(&shipped).await.unwrap();
    // A second writer with the old version loses.
    let mut stale = o.clone();
    stale.status = OrderStatus::Cancelled;
    assert!(matches!(
        store.update_order(&stale).await,
        Err(StoreError::VersionConflict { expected: 0 })
    ));
    let by_status = store
        .list_orders(OrderStatus::Authorized, &Default::default(), 10, None)
        .await
        .unwrap();
    assert_eq!(by_status.items.len(), 2);
    let confirmed = store
        .list_orders(OrderStatus::Confirmed, &Default::default(), 10, None)
        .await
        .unwrap();
    assert_eq!(confirmed.items, vec![shipped]);
}

#[tokio::test]
async fn pagination_returns_every_product_once() {
    let store = store().await;
    let categories = ["kitchen", "garden", "lighting"];
    for i in 0..47 {
        store
            .put_product(&product(&format!("P-{i:03}"), categories[i % 3], 1))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store
            .list_products(None, 10, cursor.as_deref())
            .await
            .unwrap();
        pages += 1;
        seen.extend(page.items.into_iter().map(|p| p.sku.to_string()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!(pages >= 5);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 47);
    assert_eq!(seen.len(), 47);
    let garden = store
        .list_products(Some(&Category::parse("garden").unwrap()), 100, None)
        .await
        .unwrap();
    assert_eq!(garden.items.len(), 16);
    assert!(garden.items.iter().all(|p| p.category.as_str() == "garden"));
    assert!(matches!(
        store.list_products(None, 10, Some("zz-not-a-cursor")).await,
        Err(StoreError::InvalidCursor(_))
    ));
}

#[tokio::test]
async fn products_use_optimistic_versions() {
    let store = store().await;
    let created = store
        .put_product(&product("V-1", "kitchen", 3))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert!(matches!(
        store.put_product(&product("V-1", "kitchen", 3)).await,
        Err(StoreError::ConditionFailed(_))
    ));
    let mut a = created.clone();
    a.price = Money::new(999, Currency::Eur);
    let mut b = created.clone();
    b.name = "Other".into();
    let (ra, rb) = tokio::join!(store.put_product(&a), store.put_product(&b));
    let wins = [ra.is_ok(), rb.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(wins, 1);
    assert!(matches!(
        ra.err().or(rb.err()),
        Some(StoreError::VersionConflict { expected: 1 })
    ));
    assert_eq!(store.get_product(&created.sku).await.unwrap().version, 2);
    let many = store
        .get_products(&[created.sku.clone(), Sku::parse("NONE-1").unwrap()])
        .await
        .unwrap();
    assert_eq!(many.len(), 1);
}

#[tokio::test]
async fn idempotency_keys_and_seen_records() {
    let store = store().await;
    use shop::store::IdempotencyClaim;
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(
        store
            .claim_idempotency_key("sub-1", "key-1", "C1", "h1")
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    let after = time::OffsetDateTime::now_utc().unix_timestamp();
    match store
        .claim_idempotency_key("sub-1", "key-1", "C2", "h2")
        .await
        .unwrap()
    {
        IdempotencyClaim::Existing {
            checkout_id,
            request_hash,
            lease_until,
        } => {
            assert_eq!((checkout_id.as_str(), request_hash.as_str()), ("C1", "h1"));
            let lease = shop::store::CLAIM_LEASE_SECS;
            assert!(
                (before + lease..=after + lease).contains(&lease_until),
                "lease until {lease_until}, claimed between {before} and {after}"
            );
        }
        other => panic!("expected the first claim, got {other:?}"),
    }
    // The first request holds a lease: nobody takes its key over meanwhile.
    assert!(
        !store
            .take_over_idempotency_key("sub-1", "key-1")
            .await
            .unwrap()
    );
    // It died and its lease ran out: exactly one repeat takes over.
    shop::fixtures::expire_claim_leases(&store).await;
    let takeovers = futures::future::join_all(
        (0..4).map(|_| store.take_over_idempotency_key("sub-1", "key-1")),
    )
    .await;
    assert_eq!(
        takeovers
            .into_iter()
            .filter(|t| *t.as_ref().unwrap())
            .count(),
        1
    );
    // Nobody takes over a key that was never claimed.
    assert!(
        !store
            .take_over_idempotency_key("sub-1", "key-never")
            .await
            .unwrap()
    );
    // Another shopper's same key is theirs.
    assert_eq!(
        store
            .claim_idempotency_key("sub-2", "key-1", "C3", "h3")
            .await
            .unwrap(),
        IdempotencyClaim::Claimed
    );
    assert!(store.mark_seen("STRIPE", "evt_1", 3600).await.unwrap());
    assert!(!store.mark_seen("STRIPE", "evt_1", 3600).await.unwrap());
    store.unmark_seen("STRIPE", "evt_1").await.unwrap();
    assert!(store.mark_seen("STRIPE", "evt_1", 3600).await.unwrap());
}

#[test]
fn table_definition_matches_its_cloudformation_form() {
    let cf = table::cloudformation_properties();
    assert_eq!(
        cf["StreamSpecification"]["StreamViewType"],
        "NEW_AND_OLD_IMAGES"
    );
    assert_eq!(
        cf["TimeToLiveSpecification"]["AttributeName"],
        table::TTL_ATTRIBUTE
    );
    assert_eq!(
        cf["GlobalSecondaryIndexes"].as_array().unwrap().len(),
        table::INDEXES.len()
    );
}
