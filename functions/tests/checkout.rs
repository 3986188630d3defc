//! The shopper API against DynamoDB Local and localstripe, called in process.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use shop::OrderStatus;
use shop::payments::PaymentStatus;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_confirm_and_the_order_is_authorized() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = card_token("4242424242424242").await;
    let body = checkout_body(
        json!([{"sku": "a-1", "quantity": 2}, {"sku": "B-2", "quantity": 1}]),
        &token,
    );
    let created = checkout(&shop, &ada, &key(), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let j = &created.json;
    assert_eq!(j["status"], "requires_capture");
    // Priced from the table: 2 × 12.50 + 30.00, free shipping above 50.
    assert_eq!(j["subtotal"], json!({"amount": 5500, "currency": "EUR"}));
    assert_eq!(j["shipping"]["amount"], 0);
    assert_eq!(j["total"]["amount"], 5500);
    assert_eq!(j["lines"][0]["sku"], "A-1");
    let checkout_id = j["checkoutId"].as_str().unwrap().to_owned();
    let pi = shop
        .payments
        .retrieve(j["paymentIntent"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(pi.status, PaymentStatus::RequiresCapture);
    assert_eq!(pi.amount, 5500);
    assert_eq!(pi.checkout_id.as_deref(), Some(checkout_id.as_str()));

    let path = format!("/api/checkout/{checkout_id}/confirm");
    for _ in 0..2 {
        let confirmed = call(&shop.api, "POST", &path, Some(&ada), &[], None).await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.json);
        assert_eq!(confirmed.json["status"], "authorized");
        assert_eq!(confirmed.json["orderId"], checkout_id.as_str());
    }
    let order = shop.store.get_order("ada", &checkout_id).await.unwrap();
    assert_eq!(order.status, OrderStatus::Authorized);
    assert_eq!(order.payment_intent, pi.id);
    assert_eq!(order.email, "ada@example.com");
    assert_eq!(order.total.amount, 5500);
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.address.city, "Paris");

    let list = call(&shop.api, "GET", "/api/orders", Some(&ada), &[], None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.headers["cache-control"], "no-store");
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.json["items"][0]["id"], checkout_id.as_str());
    assert!(list.json["next"].is_null());
    let one = call(
        &shop.api,
        "GET",
        &format!("/api/orders/{checkout_id}"),
        Some(&ada),
        &[],
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json["status"], "authorized");
    assert_eq!(one.json["paymentIntent"], pi.id.as_str());
    assert_eq!(
        one.json["statusView"]["heading"],
        "Payment held, confirming stock"
    );
    assert_eq!(one.json["statusView"]["pending"], true);

    // Another shopper sees neither the order nor the checkout.
    let bob = shopper("bob");
    let theirs = call(
        &shop.api,
        "GET",
        &format!("/api/orders/{checkout_id}"),
        Some(&bob),
        &[],
        None,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.code(), "not_found");
    let confirm = call(&shop.api, "POST", &path, Some(&bob), &[], None).await;
    assert_eq!(confirm.status, StatusCode::NOT_FOUND);
    let bobs = call(&shop.api, "GET", "/api/orders", Some(&bob), &[], None).await;
    assert_eq!(bobs.json["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_key_same_body_is_one_payment_other_body_is_409() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = card_token("4242424242424242").await;
    let k = key();
    let body = checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token);
    let first = checkout(&shop, &ada, &k, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    // Same meaning, different spelling: still the same request.
    let respelled = checkout_body(json!([{"quantity": 1, "sku": "a-1"}]), &token);
    let second = checkout(&shop, &ada, &k, respelled).await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(second.json, first.json);

    let other = checkout_body(json!([{"sku": "A-1", "quantity": 2}]), &token);
    let reused = checkout(&shop, &ada, &k, other).await;
    assert_eq!(reused.status, StatusCode::CONFLICT);
    assert_eq!(reused.code(), "idempotency_key_reused");

    // One checkout (and its reservation), one claim: nothing else was written.
    let pks = written(&shop.store).await;
    assert_eq!(
        pks.iter().filter(|p| p.starts_with("CHECKOUT#")).count(),
        2,
        "{pks:?}"
    );
    assert_eq!(pks.len(), 3, "{pks:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_duplicates_create_one_payment_intent() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = card_token("4242424242424242").await;
    let k = key();
    let body = checkout_body(json!([{"sku": "B-2", "quantity": 1}]), &token);
    let answers =
        futures::future::join_all((0..6).map(|_| checkout_answered(&shop, &ada, &k, body.clone())))
            .await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
        assert_eq!(a.json, answers[0].json);
    }
    let pks = written(&shop.store).await;
    assert_eq!(
        pks.iter().filter(|p| p.starts_with("CHECKOUT#")).count(),
        2,
        "{pks:?}: one checkout and its reservation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_carts_are_refused_and_nothing_is_written() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = "tok_never_used";
    let cases = [
        // A price from the browser is not even a field.
        (
            json!([{"sku": "A-1", "quantity": 1, "price": 1}]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!([{"sku": "A-1", "quantity": 1, "unitPrice": {"amount": 1, "currency": "EUR"}}]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!([{"sku": "NOPE-1", "quantity": 1}]),
            StatusCode::BAD_REQUEST,
            "unknown_sku",
        ),
        (
            json!([{"sku": "OLD-1", "quantity": 1}]),
            StatusCode::CONFLICT,
            "product_retired",
        ),
        (json!([]), StatusCode::BAD_REQUEST, "empty_cart"),
        (
            json!([{"sku": "A-1", "quantity": 0}]),
            StatusCode::BAD_REQUEST,
            "invalid_quantity",
        ),
        (
            json!([{"sku": "A-1", "quantity": 1000}]),
            StatusCode::BAD_REQUEST,
            "invalid_quantity",
        ),
        (
            json!([{"sku": "A-1", "quantity": 1.5}]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!([{"sku": "B-2", "quantity": 4}]),
            StatusCode::CONFLICT,
            "sold_out",
        ),
        (
            json!([{"sku": "../x", "quantity": 1}]),
            StatusCode::BAD_REQUEST,
            "invalid_sku",
        ),
    ];
    for (lines, status, code) in cases {
        let a = checkout(&shop, &ada, &key(), checkout_body(lines.clone(), token)).await;
        assert_eq!((a.status, a.code()), (status, code), "{lines}: {}", a.json);
    }
    let unknown = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body(json!([{"sku": "A-1", "quantity": 1, "price": 1}]), token),
    )
    .await;
    assert!(
        unknown.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `price`")
    );
    // Top-level extras, bad addresses and tokens too.
    let mut extra: serde_json::Value = serde_json::from_slice(&checkout_body(
        json!([{"sku": "A-1", "quantity": 1}]),
        token,
    ))
    .unwrap();
    extra["total"] = json!({"amount": 1, "currency": "EUR"});
    let a = checkout(&shop, &ada, &key(), serde_json::to_vec(&extra).unwrap()).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_body")
    );
    let mut bad_address = extra.clone();
    bad_address.as_object_mut().unwrap().remove("total");
    bad_address["address"]["country"] = json!("XX");
    let a = checkout(
        &shop,
        &ada,
        &key(),
        serde_json::to_vec(&bad_address).unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_address")
    );
    let a = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body(json!([{"sku": "A-1", "quantity": 1}]), "pm_card"),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_card_token")
    );
    let a = checkout(&shop, &ada, &key(), b"{not json".to_vec()).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_body")
    );
    assert_eq!(written(&shop.store).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_break_the_rules_get_the_error_shape() {
    let shop = shop().await;
    let ada = shopper("ada");
    let body = checkout_body(json!([{"sku": "A-1", "quantity": 1}]), "tok_x");
    // No key, a short key.
    let a = call(
        &shop.api,
        "POST",
        "/api/checkout",
        Some(&ada),
        &[("content-type", "application/json")],
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "idempotency_key_required")
    );
    let a = checkout(&shop, &ada, "short", body.clone()).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_idempotency_key")
    );
    // Not JSON, too large, not signed in.
    let a = call(
        &shop.api,
        "POST",
        "/api/checkout",
        Some(&ada),
        &[("idempotency-key", &key())],
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let huge = format!("{{\"lines\":[],\"pad\":\"{}\"}}", "x".repeat(20_000)).into_bytes();
    let a = checkout(&shop, &ada, &key(), huge).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    let a = call(
        &shop.api,
        "POST",
        "/api/checkout",
        None,
        &[
            ("content-type", "application/json"),
            ("idempotency-key", &key()),
        ],
        Some(body),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let a = call(&shop.api, "GET", "/api/orders", None, &[], None).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // Unknown path and method.
    let a = call(&shop.api, "GET", "/api/nothing", Some(&ada), &[], None).await;
    assert_eq!((a.status, a.code()), (StatusCode::NOT_FOUND, "not_found"));
    // Errors are private too (the routers' layer, not each error).
    assert_eq!(a.headers["cache-control"], "no-store");
    let a = call(&shop.api, "DELETE", "/api/orders", Some(&ada), &[], None).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let a = call(
        &shop.api,
        "GET",
        "/api/orders?cursor=zz",
        Some(&ada),
        &[],
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_cursor")
    );
    assert_eq!(written(&shop.store).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_card_is_402_and_only_the_checkout_is_kept() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = card_token("4000000000000341").await;
    let k = key();
    let body = checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token);
    let a = checkout(&shop, &ada, &k, body.clone()).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::PAYMENT_REQUIRED, "card_declined")
    );
    // The shop's sentence, not Stripe's.
    assert_eq!(
        a.json["error"]["message"],
        "Your card was declined. Please try another card."
    );
    let again = checkout(&shop, &ada, &k, body).await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::PAYMENT_REQUIRED, "card_declined")
    );
    let pks = written(&shop.store).await;
    assert_eq!(pks.len(), 3, "{pks:?}");
    let checkout_pk = pks.iter().find(|p| p.starts_with("CHECKOUT#")).unwrap();
    let id = checkout_pk.trim_start_matches("CHECKOUT#");
    let stored = shop.store.get_checkout(id).await.unwrap();
    assert_eq!(stored.payment_status, Some(shop::CheckoutState::Failed));
    // The declined card released its unit at once.
    let reservation = shop.store.get_reservation(id).await.unwrap().unwrap();
    assert_eq!(reservation.state, shop::store::ReservationState::Released);
    assert_eq!(reserved(&shop.store, "A-1").await, 0);
    let confirm = call(
        &shop.api,
        "POST",
        &format!("/api/checkout/{id}/confirm"),
        Some(&ada),
        &[],
        None,
    )
    .await;
    assert_eq!(confirm.json["status"], "failed");
    assert!(shop.store.get_order("ada", id).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_d_secure_asks_the_page_to_authenticate() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = card_token("4000000000003220").await;
    let a = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    assert_eq!(a.json["status"], "requires_action");
    let secret = a.json["clientSecret"].as_str().unwrap().to_owned();
    let id = a.json["checkoutId"].as_str().unwrap();
    let c = call(
        &shop.api,
        "POST",
        &format!("/api/checkout/{id}/confirm"),
        Some(&ada),
        &[],
        None,
    )
    .await;
    assert_eq!(c.json["status"], "requires_action");
    assert_eq!(c.json["clientSecret"], secret.as_str());
    assert!(shop.store.get_order("ada", id).await.is_err());
}

/// The shopper fails 3-D Secure (localstripe's `_authenticate?success=false`,
/// what its Stripe.js does on "Fail authentication"): the page then calls
/// confirm, which says why in the shop's words, gives the unit back at once
/// (not after the reservation's 10 minutes) and cancels the intent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_three_d_secure_says_so_and_releases_the_stock_at_once() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = card_token("4000000000003220").await;
    let a = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token),
    )
    .await;
    assert_eq!(a.json["status"], "requires_action", "{}", a.json);
    assert_eq!(reserved(&shop.store, "A-1").await, 1);
    let id = a.json["checkoutId"].as_str().unwrap().to_owned();
    let pi = a.json["paymentIntent"].as_str().unwrap().to_owned();
    let secret = a.json["clientSecret"].as_str().unwrap().to_owned();
    let stripe = standins::services::stripe().endpoint();
    let failed = reqwest::Client::new()
        .post(format!(
            "{stripe}/v1/payment_intents/{pi}/_authenticate?success=false"
        ))
        // As Stripe.js sends it: the publishable key in the body.
        .json(&json!({"key": "pk_test_edge_shop", "client_secret": secret}))
        .send()
        .await
        .unwrap();
    assert!(failed.status().is_success(), "{}", failed.status());

    let path = format!("/api/checkout/{id}/confirm");
    let c = call(&shop.api, "POST", &path, Some(&ada), &[], None).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.json);
    assert_eq!(c.json["status"], "failed");
    assert_eq!(
        c.json["message"],
        "Your bank could not confirm this payment (3-D Secure). Please try again or use another card."
    );
    assert_eq!(reserved(&shop.store, "A-1").await, 0);
    let reservation = shop.store.get_reservation(&id).await.unwrap().unwrap();
    assert_eq!(reservation.state, shop::store::ReservationState::Released);
    let at_stripe = shop.payments.retrieve(&pi).await.unwrap();
    assert_eq!(at_stripe.status, PaymentStatus::Canceled);
    // Asked again (the page retrying): the same sentence, not "expired".
    let again = call(&shop.api, "POST", &path, Some(&ada), &[], None).await;
    assert_eq!(again.json["message"], c.json["message"]);
    assert!(shop.store.get_order("ada", &id).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_and_me() {
    let shop = shop().await;
    let a = call(
        &shop.api,
        "GET",
        "/api/catalogue/stock?sku=A-1&sku=old-1&sku=NOPE-9",
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers["cache-control"], "public, max-age=10");
    assert_eq!(
        a.json["items"][0],
        json!({"sku": "A-1", "name": "Product A-1", "price": {"amount": 1250, "currency": "EUR"}, "stock": 10, "status": "active", "available": true})
    );
    assert_eq!(a.json["items"][1]["status"], "retired");
    assert_eq!(a.json["items"][1]["available"], false);
    assert_eq!(a.json["missing"], json!(["NOPE-9"]));
    let a = call(&shop.api, "GET", "/api/catalogue/stock", None, &[], None).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "sku_required")
    );
    let a = call(
        &shop.api,
        "GET",
        "/api/catalogue/stock?sku=%2F%2F",
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_sku")
    );

    let mut admin = shopper("root");
    admin.retain(|(k, _)| k != "cognito:groups");
    admin.push(("cognito:groups".into(), "[admin]".into()));
    let me = call(&shop.api, "GET", "/api/me", Some(&admin), &[], None).await;
    assert_eq!(
        me.json,
        json!({"sub": "root", "email": "root@example.com", "username": "root@example.com", "groups": ["admin"]})
    );
    // A signed-in answer is never kept by the browser (Back after signing out showed it).
    assert_eq!(me.headers["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checkout_whose_request_died_is_taken_over_once_its_lease_runs_out() {
    let shop = shop().await;
    let ada = shopper("ada");
    let token = card_token("4242424242424242").await;
    let k = key();
    let body = checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token);

    // The first request claims the key, stores its checkout, and dies while
    // it waits on Stripe (here: a connection nobody answers, dropped after
    // a second, as a Lambda that timed out).
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hole_url = format!("http://{}", hole.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = hole.accept().await {
            held.push(conn);
        }
    });
    let dying = functions::shopper::router(functions::shopper::ShopperState {
        store: shop.store.clone(),
        payments: shop::payments::Payments::new(&hole_url, STRIPE_KEY.into()),
        users: None,
    });
    let first = tokio::spawn({
        let (ada, k, body) = (ada.clone(), k.clone(), body.clone());
        async move {
            call(
                &dying,
                "POST",
                "/api/checkout",
                Some(&ada),
                &[
                    ("content-type", "application/json"),
                    ("idempotency-key", &k),
                ],
                Some(body),
            )
            .await
        }
    });
    // Once it has claimed the key and stored its checkout, it is waiting on
    // Stripe: that is when it "dies".
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let pks = written(&shop.store).await;
        if pks.iter().any(|p| p.starts_with("CHECKOUT#")) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first request never stored its checkout: {pks:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        !first.is_finished(),
        "the first request was to hang on Stripe"
    );
    first.abort();
    holder.abort();

    // While its lease lasts, a repeat waits for it and is asked to retry.
    let early = checkout(&shop, &ada, &k, body.clone()).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.json);
    assert_eq!(early.code(), "checkout_in_progress");

    // Once it has run out, one repeat carries the checkout on and the
    // others get its answer: one checkout, one authorisation.
    shop::fixtures::expire_claim_leases(&shop.store).await;
    let answers =
        futures::future::join_all((0..3).map(|_| checkout_answered(&shop, &ada, &k, body.clone())))
            .await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
        assert_eq!(a.json, answers[0].json);
    }
    let j = &answers[0].json;
    assert_eq!(j["status"], "requires_capture");
    let pi = shop
        .payments
        .retrieve(j["paymentIntent"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(j["total"]["amount"], 1750, "12.50 + 5.00 shipping");
    assert_eq!(pi.amount, 1750);
    let pks = written(&shop.store).await;
    assert_eq!(
        pks.iter().filter(|p| p.starts_with("CHECKOUT#")).count(),
        2,
        "{pks:?}: one checkout and its reservation"
    );
    let path = format!(
        "/api/checkout/{}/confirm",
        j["checkoutId"].as_str().unwrap()
    );
    let confirmed = call(&shop.api, "POST", &path, Some(&ada), &[], None).await;
    assert_eq!(confirmed.json["status"], "authorized", "{}", confirmed.json);
}

async fn quote(shop: &Shop, who: &[(String, String)], lines: serde_json::Value) -> Answer {
    call(
        &shop.api,
        "POST",
        "/api/checkout/quote",
        Some(who),
        &[("content-type", "application/json")],
        Some(serde_json::to_vec(&json!({ "lines": lines })).unwrap()),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quote_shows_shipping_and_is_what_the_card_is_authorised_for() {
    let shop = shop().await;
    let ada = shopper("ada");
    // Below, at and above the €50 threshold: 1 × 12.50; 4 × 12.50; 2 × 30.00.
    let cases = [
        (json!([{"sku": "A-1", "quantity": 1}]), 1250, 500, 1750),
        (json!([{"sku": "a-1", "quantity": 4}]), 5000, 0, 5000),
        (json!([{"sku": "B-2", "quantity": 2}]), 6000, 0, 6000),
    ];
    for (lines, subtotal, shipping, total) in cases {
        let q = quote(&shop, &ada, lines.clone()).await;
        assert_eq!(q.status, StatusCode::OK, "{}", q.json);
        assert_eq!(
            q.json["subtotal"],
            json!({"amount": subtotal, "currency": "EUR"})
        );
        assert_eq!(q.json["shipping"]["amount"], shipping, "{lines}");
        assert_eq!(q.json["total"]["amount"], total);
        assert_eq!(q.json["freeShippingFrom"]["amount"], 5000);
        let note = q.json["shippingNote"].as_str().unwrap();
        assert!(note.starts_with("Free shipping from €50.00"), "{note}");
        // Paying with the quoted total authorises exactly that.
        let expected: shop::Money = serde_json::from_value(q.json["total"].clone()).unwrap();
        let token = card_token("4242424242424242").await;
        let a = checkout(
            &shop,
            &ada,
            &key(),
            checkout_body_expecting(lines, &token, expected),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
        let pi = shop
            .payments
            .retrieve(a.json["paymentIntent"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(pi.amount, total);
        assert_eq!(a.json["shipping"]["amount"], shipping);
    }
    // A quote writes nothing.
    let q = quote(&shop, &ada, json!([{"sku": "A-1", "quantity": 1}])).await;
    assert_eq!(q.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_changed_after_the_quote_is_shown_again_and_nothing_is_held() {
    let shop = shop().await;
    let ada = shopper("ada");
    let lines = json!([{"sku": "A-1", "quantity": 2}]);
    let q = quote(&shop, &ada, lines.clone()).await;
    assert_eq!(q.json["total"]["amount"], 3000, "2 × 12.50 + 5.00");
    let seen: shop::Money = serde_json::from_value(q.json["total"].clone()).unwrap();

    // The owner raises the price between the quote and the payment.
    let sku = shop::Sku::parse("A-1").unwrap();
    let mut p = shop.store.get_product(&sku).await.unwrap();
    p.price = shop::Money::new(1500, shop::Currency::Eur);
    shop.store.put_product(&p).await.unwrap();

    let token = card_token("4242424242424242").await;
    let k = key();
    let a = checkout(
        &shop,
        &ada,
        &k,
        checkout_body_expecting(lines.clone(), &token, seen),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::CONFLICT, "price_changed"),
        "{}",
        a.json
    );
    assert_eq!(a.json["quote"]["total"]["amount"], 3500, "the new total");
    assert_eq!(a.json["quote"]["lines"][0]["unitPrice"]["amount"], 1500);
    assert!(
        a.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("€35.00")
    );
    assert_eq!(
        written(&shop.store).await,
        Vec::<String>::new(),
        "nothing held"
    );

    // Asked again with the new total (same key: nothing was claimed), it pays that.
    let now: shop::Money = serde_json::from_value(a.json["quote"]["total"].clone()).unwrap();
    let paid = checkout(&shop, &ada, &k, checkout_body_expecting(lines, &token, now)).await;
    assert_eq!(paid.status, StatusCode::CREATED, "{}", paid.json);
    let pi = shop
        .payments
        .retrieve(paid.json["paymentIntent"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(pi.amount, 3500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_quotes_are_clear_json_errors_and_write_nothing() {
    let shop = shop().await;
    let ada = shopper("ada");
    let cases = [
        (json!([]), StatusCode::BAD_REQUEST, "empty_cart"),
        (
            json!([{"sku": "NOPE-1", "quantity": 1}]),
            StatusCode::BAD_REQUEST,
            "unknown_sku",
        ),
        (
            json!([{"sku": "OLD-1", "quantity": 1}]),
            StatusCode::CONFLICT,
            "product_retired",
        ),
        (
            json!([{"sku": "A-1", "quantity": 0}]),
            StatusCode::BAD_REQUEST,
            "invalid_quantity",
        ),
        (
            json!([{"sku": "A-1", "quantity": 100}]),
            StatusCode::BAD_REQUEST,
            "invalid_quantity",
        ),
        (
            json!([{"sku": "A-1", "quantity": -1}]),
            StatusCode::BAD_REQUEST,
            "invalid_quantity",
        ),
        (
            json!([{"sku": "A-1", "quantity": 1, "price": 1}]),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ];
    for (lines, status, code) in cases {
        let q = quote(&shop, &ada, lines.clone()).await;
        assert_eq!((q.status, q.code()), (status, code), "{lines}: {}", q.json);
        assert!(!q.json["error"]["message"].as_str().unwrap().is_empty());
    }
    // The page shows these messages: they name the product as the shopper
    // knows it, not by its SKU.
    for (sku, quantity, message) in [
        ("B-2", 4, "only 3 of Product B-2 left"),
        ("OLD-1", 1, "Product OLD-1 is no longer available"),
    ] {
        let q = quote(&shop, &ada, json!([{"sku": sku, "quantity": quantity}])).await;
        assert_eq!(q.json["error"]["message"], message, "{}", q.json);
    }
    let anonymous = call(
        &shop.api,
        "POST",
        "/api/checkout/quote",
        None,
        &[("content-type", "application/json")],
        Some(br#"{"lines":[{"sku":"A-1","quantity":1}]}"#.to_vec()),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // A checkout without the total the shopper saw is refused.
    let a = checkout(
        &shop,
        &ada,
        &key(),
        serde_json::to_vec(&json!({
            "lines": [{"sku": "A-1", "quantity": 1}],
            "address": {"name": "A", "line1": "1", "city": "P", "postalCode": "1", "country": "FR"},
            "cardToken": "tok_x",
        }))
        .unwrap(),
    )
    .await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "invalid_body")
    );
    assert_eq!(written(&shop.store).await, Vec::<String>::new());
}
