//! Crafted page cursors against the real routers over DynamoDB Local: every
//! listing answers 400 `invalid_cursor` to a cursor that is not a key of its
//! own partition (issue 16, item 10), instead of passing it to DynamoDB (a
//! `ValidationException`, a 500 and an alarm) or starting in another
//! shopper's orders.

mod common;

use axum::Router;
use axum::http::StatusCode;
use common::{Shop, call, shop, shopper};
use functions::admin::{self, ADMIN_GROUP, AdminState};
use functions::users::UserDirectory;

/// A cursor as `shop::store` encodes one: hex of a JSON map of string attributes.
fn cursor(pairs: &[(&str, &str)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
        .collect();
    serde_json::to_vec(&map)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The owner's Cognito username (the shared cognito-local wants an email).
const OWNER: &str = "owner@example.com";

/// The admin API over the shop's table, with a cognito-local pool in which
/// `owner` is in the admin group (the guard asks the pool); S3 is not reached.
async fn admin_api(shop: &Shop) -> (Router, Vec<(String, String)>) {
    use aws_sdk_cognitoidentityprovider::types::MessageActionType;
    let cognito = standins::aws::sdk_config(&standins::services::cognito().endpoint()).await;
    let client = aws_sdk_cognitoidentityprovider::Client::new(&cognito);
    let pool = client
        .create_user_pool()
        .pool_name(format!("cursors-{}", std::process::id()))
        .send()
        .await
        .unwrap();
    let pool = pool.user_pool().unwrap().id().unwrap().to_owned();
    client
        .create_group()
        .user_pool_id(&pool)
        .group_name(ADMIN_GROUP)
        .send()
        .await
        .unwrap();
    let created = client
        .admin_create_user()
        .user_pool_id(&pool)
        .username(OWNER)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    // cognito-local, like an email-alias pool, stores a UUID username.
    let username = created.user().unwrap().username().unwrap().to_owned();
    client
        .admin_add_user_to_group()
        .user_pool_id(&pool)
        .username(&username)
        .group_name(ADMIN_GROUP)
        .send()
        .await
        .unwrap();
    let dead = standins::aws::sdk_config("http://127.0.0.1:9").await;
    let api = admin::router(AdminState {
        store: shop.store.clone(),
        payments: shop.payments.clone(),
        users: UserDirectory::new(client, pool),
        s3: aws_sdk_s3::Client::new(&dead).into(),
        site_bucket: "unused".into(),
        admin_group: ADMIN_GROUP.into(),
    });
    let owner = vec![
        ("sub".into(), "owner-sub".into()),
        ("username".into(), username),
        ("cognito:groups".into(), "[admin]".into()),
    ];
    (api, owner)
}

async fn status_of(api: &Router, path: &str, who: &[(String, String)]) -> (StatusCode, String) {
    let a = call(api, "GET", path, Some(who), &[], None).await;
    (a.status, a.code().to_owned())
}

fn refused() -> (StatusCode, String) {
    (StatusCode::BAD_REQUEST, "invalid_cursor".to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shoppers_orders_take_only_their_own_cursor() {
    let shop = shop().await;
    let ada = shopper("ada");
    let crafted = [
        "7b7d".to_owned(), // {}
        "zz".to_owned(),
        cursor(&[("PK", "CUSTOMER#bob"), ("SK", "ORDER#01J")]),
        cursor(&[("PK", "CUSTOMER#ada"), ("SK", "CHECKOUT#01J")]),
        cursor(&[("PK", "CUSTOMER#ada")]),
        cursor(&[("PK", "CUSTOMER#ada"), ("SK", "ORDER#01J"), ("GSI1PK", "x")]),
    ];
    for c in &crafted {
        assert_eq!(
            status_of(&shop.api, &format!("/api/orders?cursor={c}"), &ada).await,
            refused(),
            "{c}"
        );
    }
    let own = cursor(&[("PK", "CUSTOMER#ada"), ("SK", "ORDER#01J")]);
    let a = call(
        &shop.api,
        "GET",
        &format!("/api/orders?cursor={own}"),
        Some(&ada),
        &[],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_listings_refuse_crafted_cursors() {
    let shop = shop().await;
    let (api, who) = admin_api(&shop).await;
    let product = |gsi1pk: &str| {
        cursor(&[
            ("PK", "PRODUCT#A-1"),
            ("SK", "PRODUCT"),
            ("GSI1PK", gsi1pk),
            ("GSI1SK", "misc#A-1"),
        ])
    };
    let order = |status: &str| {
        cursor(&[
            ("PK", "CUSTOMER#ada"),
            ("SK", "ORDER#01J"),
            ("GSI1PK", &format!("ORDERS#{status}")),
            ("GSI1SK", "2026-11-23T10:00:00Z#01J"),
        ])
    };
    let audit = |day: &str| {
        cursor(&[
            ("PK", &format!("AUDIT#{day}")),
            ("SK", "2026-11-23T10:00:00Z#01J"),
        ])
    };
    for (path, bad, good) in [
        (
            "/api/admin/products?",
            product("ORDERS#confirmed"),
            product("CATALOGUE"),
        ),
        (
            "/api/admin/orders?status=confirmed&",
            order("shipped"),
            order("confirmed"),
        ),
        (
            "/api/admin/audit?day=2026-11-23&",
            audit("2026-11-22"),
            audit("2026-11-23"),
        ),
    ] {
        for c in ["7b7d".to_owned(), "zz".to_owned(), bad] {
            assert_eq!(
                status_of(&api, &format!("{path}cursor={c}"), &who).await,
                refused(),
                "{path}cursor={c}"
            );
        }
        let (status, code) = status_of(&api, &format!("{path}cursor={good}"), &who).await;
        assert_eq!(status, StatusCode::OK, "{path}: {code}");
    }
}
