//! The Stripe webhook against DynamoDB Local and localstripe, with events
//! signed here as Stripe's CLI signs them (localstripe never sends
//! `payment_intent.amount_capturable_updated`), whole as Stripe sends them:
//! async-stripe decodes them into Stripe's strict types.

mod common;

use axum::http::StatusCode;
use base64::Engine;
use common::*;
use serde_json::json;
use shop::OrderStatus;
use shop::payments::webhook::sign;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A Stripe-shaped event about PaymentIntent `pi` (its JSON as Stripe sends it).
fn event(id: &str, kind: &str, pi: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id,
        "object": "event",
        "api_version": "2026-09-30.endive",
        "created": now(),
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
        "data": {"object": pi},
    }))
    .unwrap()
}

/// A PaymentIntent as Stripe sends it in an event, for one Stripe holds but this shop's
/// localstripe does not (another integration's, or one it cannot find).
fn stripe_payment_intent(
    id: &str,
    status: &str,
    amount: i64,
    metadata: serde_json::Value,
) -> serde_json::Value {
    json!({
        "id": id, "object": "payment_intent", "amount": amount,
        "amount_capturable": if status == "requires_capture" { amount } else { 0 },
        "amount_received": if status == "succeeded" { amount } else { 0 },
        "application": null, "application_fee_amount": null, "automatic_payment_methods": null,
        "canceled_at": null, "cancellation_reason": null, "capture_method": "manual",
        "client_secret": format!("{id}_secret_x"), "confirmation_method": "automatic",
        "created": now(), "currency": "eur", "customer": null, "description": null,
        "last_payment_error": null, "latest_charge": null, "livemode": false,
        "metadata": metadata, "next_action": null, "on_behalf_of": null,
        "payment_method": null, "payment_method_types": ["card"], "processing": null,
        "receipt_email": null, "review": null, "setup_future_usage": null, "shipping": null,
        "source": null, "statement_descriptor": null, "statement_descriptor_suffix": null,
        "status": status, "transfer_data": null, "transfer_group": null,
    })
}

async fn deliver(shop: &Shop, body: Vec<u8>, signature: &str) -> Answer {
    call(
        &shop.hook,
        "POST",
        "/api/stripe/webhook",
        None,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("stripe-signature", signature),
        ],
        Some(body),
    )
    .await
}

/// A checkout authorised at localstripe but not confirmed by the page.
async fn authorised_checkout(shop: &Shop, who: &str) -> (String, serde_json::Value) {
    let token = card_token("4242424242424242").await;
    let a = checkout(
        shop,
        &shopper(who),
        &key(),
        checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let id = a.json["checkoutId"].as_str().unwrap().to_owned();
    let pi_id = a.json["paymentIntent"].as_str().unwrap();
    let stripe = standins::services::stripe().endpoint();
    let pi = standins::fixtures::payment_intent(&stripe, pi_id)
        .await
        .unwrap();
    (id, pi)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_event_creates_the_order_once_even_delivered_three_times() {
    let shop = shop().await;
    let (id, pi) = authorised_checkout(&shop, "ada").await;
    let body = event(
        "evt_capturable_1",
        "payment_intent.amount_capturable_updated",
        pi.clone(),
    );
    for _ in 0..3 {
        let a = deliver(&shop, body.clone(), &sign(WEBHOOK_SECRET, &body, now())).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    }
    let order = shop.store.get_order("ada", &id).await.unwrap();
    assert_eq!(order.status, OrderStatus::Authorized);
    assert_eq!(order.payment_intent, pi["id"].as_str().unwrap());
    assert_eq!(order.total.amount, 1250 + 500);
    // The same order the page's confirm would have written: confirm finds it.
    let c = call(
        &shop.api,
        "POST",
        &format!("/api/checkout/{id}/confirm"),
        Some(&shopper("ada")),
        &[],
        None,
    )
    .await;
    assert_eq!(c.json["status"], "authorized");
    let again = shop.store.get_order("ada", &id).await.unwrap();
    assert_eq!(again, order);
    // A second event for the same payment (succeeded) changes nothing either.
    let body = event("evt_succeeded_1", "payment_intent.succeeded", pi);
    let a = deliver(&shop, body.clone(), &sign(WEBHOOK_SECRET, &body, now())).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(shop.store.get_order("ada", &id).await.unwrap(), order);
    let pks = written(&shop.store).await;
    assert_eq!(
        pks.iter().filter(|p| p.starts_with("CUSTOMER#")).count(),
        1,
        "{pks:?}"
    );
    assert!(
        pks.contains(&"STRIPE#evt_capturable_1".to_owned()),
        "{pks:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_event_is_acknowledged_and_ignored() {
    let shop = shop().await;
    let (id, pi) = authorised_checkout(&shop, "ada").await;
    let body = event("evt_replay", "payment_intent.amount_capturable_updated", pi);
    let first = deliver(&shop, body.clone(), &sign(WEBHOOK_SECRET, &body, now())).await;
    assert_eq!(first.json, json!({"received": true}));
    // The owner deletes the order by hand (say); a replay of the event must not bring it back.
    let (pk, sk) = shop::store::order_key("ada", &id);
    shop.store
        .client()
        .delete_item()
        .table_name(shop.store.table())
        .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(pk))
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S(sk))
        .send()
        .await
        .unwrap();
    let replay = deliver(&shop, body.clone(), &sign(WEBHOOK_SECRET, &body, now())).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.json["duplicate"], true);
    assert!(shop.store.get_order("ada", &id).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signature_old_timestamp_and_malformed_bodies_write_nothing() {
    let shop = shop().await;
    let (_, pi) = authorised_checkout(&shop, "ada").await;
    let before = written(&shop.store).await;
    let body = event(
        "evt_bad",
        "payment_intent.amount_capturable_updated",
        pi.clone(),
    );

    let wrong_secret = deliver(&shop, body.clone(), &sign("whsec_other", &body, now())).await;
    assert_eq!(
        (wrong_secret.status, wrong_secret.code()),
        (StatusCode::BAD_REQUEST, "invalid_signature")
    );
    let tampered = {
        let header = sign(WEBHOOK_SECRET, &body, now());
        let mut evil: serde_json::Value = serde_json::from_slice(&body).unwrap();
        evil["data"]["object"]["amount"] = json!(1);
        deliver(&shop, serde_json::to_vec(&evil).unwrap(), &header).await
    };
    assert_eq!(tampered.code(), "invalid_signature");
    let old = deliver(
        &shop,
        body.clone(),
        &sign(WEBHOOK_SECRET, &body, now() - 301),
    )
    .await;
    assert_eq!(
        (old.status, old.code()),
        (StatusCode::BAD_REQUEST, "signature_expired")
    );
    let future = deliver(
        &shop,
        body.clone(),
        &sign(WEBHOOK_SECRET, &body, now() + 301),
    )
    .await;
    assert_eq!(future.code(), "signature_expired");
    let no_header = call(
        &shop.hook,
        "POST",
        "/api/stripe/webhook",
        None,
        &[],
        Some(body.clone()),
    )
    .await;
    assert_eq!(no_header.status, StatusCode::BAD_REQUEST);
    let garbage_header = deliver(&shop, body.clone(), "nonsense").await;
    assert_eq!(garbage_header.code(), "invalid_signature_header");
    for malformed in [
        b"not json".to_vec(),
        b"{\"id\":\"evt_x\"}".to_vec(),
        event("evt_notpi", "payment_intent.succeeded", json!({"no": "id"})),
        // Stripe always sends these fields; a PaymentIntent without them is not Stripe's.
        event(
            "evt_partial",
            "payment_intent.succeeded",
            json!({"id": "pi_partial", "object": "payment_intent", "status": "succeeded",
                "amount": 100, "currency": "eur", "metadata": {}}),
        ),
    ] {
        let a = deliver(
            &shop,
            malformed.clone(),
            &sign(WEBHOOK_SECRET, &malformed, now()),
        )
        .await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, "malformed_event"),
            "{}",
            a.json
        );
    }
    assert_eq!(written(&shop.store).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_events_and_foreign_payments_are_ignored() {
    let shop = shop().await;
    let before = written(&shop.store).await;
    let body = event(
        "evt_cus",
        "customer.created",
        json!({"id": "cus_1", "object": "customer", "balance": 0, "created": now(),
            "currency": null, "default_source": null, "delinquent": false, "description": null,
            "email": "ada@example.com", "invoice_settings": {"custom_fields": null,
            "default_payment_method": null, "footer": null, "rendering_options": null},
            "livemode": false, "metadata": {}, "name": null, "phone": null,
            "preferred_locales": [], "shipping": null, "tax_exempt": "none", "test_clock": null}),
    );
    let a = deliver(&shop, body.clone(), &sign(WEBHOOK_SECRET, &body, now())).await;
    assert_eq!(a.json, json!({"received": true, "ignored": true}));
    // A payment that is not a checkout's (no metadata): acknowledged, no order.
    let body = event(
        "evt_foreign",
        "payment_intent.succeeded",
        stripe_payment_intent("pi_foreign", "succeeded", 100, json!({})),
    );
    let a = deliver(&shop, body.clone(), &sign(WEBHOOK_SECRET, &body, now())).await;
    assert_eq!(a.status, StatusCode::OK);
    let after = written(&shop.store).await;
    assert!(
        after.iter().all(|p| !p.starts_with("CUSTOMER#")),
        "{after:?}"
    );
    assert_eq!(
        after.len(),
        before.len() + 1,
        "only the seen record: {after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base64_body_is_accepted() {
    let shop = shop().await;
    let (id, pi) = authorised_checkout(&shop, "ada").await;
    let body = event("evt_b64", "payment_intent.amount_capturable_updated", pi);
    let header = sign(WEBHOOK_SECRET, &body, now());
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(&body)
        .into_bytes();
    let a = deliver(&shop, encoded, &header).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(
        shop.store.get_order("ada", &id).await.unwrap().status,
        OrderStatus::Authorized
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handling_failure_forgets_the_event_for_stripes_retry() {
    let shop = shop().await;
    // A checkout whose card was declined, and an event naming an intent Stripe does not know.
    let token = card_token("4000000000000341").await;
    let a = checkout(
        &shop,
        &shopper("ada"),
        &key(),
        checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYMENT_REQUIRED);
    let pks = written(&shop.store).await;
    let id = pks
        .iter()
        .find(|p| p.starts_with("CHECKOUT#"))
        .unwrap()
        .trim_start_matches("CHECKOUT#")
        .to_owned();
    let fake = stripe_payment_intent(
        "pi_unknown_here",
        "requires_payment_method",
        1750,
        json!({"checkout_id": id}),
    );
    let body = event("evt_failed", "payment_intent.payment_failed", fake);
    let a = deliver(&shop, body.clone(), &sign(WEBHOOK_SECRET, &body, now())).await;
    // The intent cannot be read at Stripe: handling fails, the event is forgotten for Stripe's retry.
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, "handling_failed")
    );
    assert!(
        !written(&shop.store)
            .await
            .contains(&"STRIPE#evt_failed".to_owned())
    );
    assert!(shop.store.get_order("ada", &id).await.is_err());
}

/// Issue 16, item 11: a delivery cut short at any point (the function timing
/// out or crashing: here its future dropped after 1 ms, 2 ms, 4 ms, …) never
/// leaves the event recorded as seen without its order, so Stripe's retry
/// creates the order instead of being answered `duplicate` for a week.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_cut_short_anywhere_leaves_the_event_to_stripes_retry() {
    let shop = shop().await;
    let (id, pi) = authorised_checkout(&shop, "ada").await;
    let body = event("evt_cut", "payment_intent.amount_capturable_updated", pi);
    let signature = sign(WEBHOOK_SECRET, &body, now());
    let seen = || async {
        written(&shop.store)
            .await
            .contains(&"STRIPE#evt_cut".to_owned())
    };
    let mut budget = std::time::Duration::from_millis(1);
    let mut cuts = 0;
    loop {
        let done = tokio::time::timeout(budget, deliver(&shop, body.clone(), &signature)).await;
        // Let a request the cut left in flight land before looking.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let has_order = shop.store.get_order("ada", &id).await.is_ok();
        assert!(
            !seen().await || has_order,
            "cut after {budget:?}: the event is recorded as seen, the order does not exist"
        );
        if let Ok(a) = done {
            assert_eq!(a.status, StatusCode::OK, "{}", a.json);
            break;
        }
        cuts += 1;
        budget *= 2;
    }
    assert!(cuts > 0, "no delivery was cut short");
    assert!(seen().await);
    assert_eq!(
        shop.store.get_order("ada", &id).await.unwrap().status,
        OrderStatus::Authorized
    );
    // Now it is a duplicate.
    let again = deliver(&shop, body.clone(), &signature).await;
    assert_eq!(again.json["duplicate"], true, "{}", again.json);
}

/// While the endpoint's secret is rolled, Stripe signs with the old and the new secret
/// (two `v1`): one matching signature is enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_among_several_is_enough() {
    let shop = shop().await;
    let (id, pi) = authorised_checkout(&shop, "ada").await;
    let body = event("evt_rolled", "payment_intent.amount_capturable_updated", pi);
    let old = sign("whsec_old", &body, now());
    let new = sign(WEBHOOK_SECRET, &body, now());
    let header = format!("{old},v1={}", new.split_once(",v1=").unwrap().1);
    let a = deliver(&shop, body.clone(), &header).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(
        shop.store.get_order("ada", &id).await.unwrap().status,
        OrderStatus::Authorized
    );
}

/// What localstripe itself sends: its events, completed by its runner
/// (`local/python/run_localstripe.py`) and signed with the endpoint's secret, pass
/// async-stripe's verification and decoding, as Stripe's would. localstripe delivers them
/// to a small receiver here, which hands each on to the webhook as it arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localstripes_own_deliveries_are_accepted() {
    use axum::extract::State as Received;
    use axum::http::HeaderMap;
    use tokio::sync::mpsc;

    type Delivery = (Vec<u8>, String);
    async fn receive(
        Received(tx): Received<mpsc::UnboundedSender<Delivery>>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> StatusCode {
        let signature = headers
            .get("stripe-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let _ = tx.send((body.to_vec(), signature));
        StatusCode::OK
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Delivery>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(tx);
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let endpoint = standins::services::stripe().endpoint();
    let registered = reqwest::Client::new()
        .post(format!(
            "{endpoint}/_config/webhooks/test-{}",
            std::process::id()
        ))
        .bearer_auth(STRIPE_KEY)
        .form(&[
            ("url", url.as_str()),
            ("secret", WEBHOOK_SECRET),
            ("events[]", "customer.created"),
            ("events[]", "payment_intent.succeeded"),
        ])
        .send()
        .await
        .unwrap();
    assert!(registered.status().is_success());

    let shop = shop().await;
    let (id, pi) = authorised_checkout(&shop, "ada").await;
    let pi_id = pi["id"].as_str().unwrap().to_owned();
    let customer = pi["customer"].as_str().unwrap().to_owned();
    // Capturing makes localstripe send `payment_intent.succeeded`.
    shop.payments
        .capture(&pi_id, &format!("cap-{id}"))
        .await
        .unwrap();

    let (mut created, mut succeeded) = (false, false);
    while !(created && succeeded) {
        let (body, signature) = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("localstripe delivered nothing within 10 s")
            .unwrap();
        let event: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let object = &event["data"]["object"];
        let ours = match event["type"].as_str() {
            Some("customer.created") => object["id"] == customer.as_str(),
            Some("payment_intent.succeeded") => object["id"] == pi_id.as_str(),
            _ => false,
        };
        if !ours {
            continue; // another test's, from the same localstripe
        }
        let a = deliver(&shop, body, &signature).await;
        assert_eq!(a.status, StatusCode::OK, "{}: {}", event["type"], a.json);
        if event["type"] == "customer.created" {
            assert_eq!(a.json, json!({"received": true, "ignored": true}));
            created = true;
        } else {
            assert_eq!(a.json, json!({"received": true}));
            succeeded = true;
        }
    }
    assert!(shop.store.get_order("ada", &id).await.is_ok());
}
