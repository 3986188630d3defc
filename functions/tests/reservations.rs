//! Reservations at checkout (issue 14) against DynamoDB Local and
//! localstripe: the race for the last units, abandoned checkouts, the
//! take-over of a request that hung on Stripe, and declined cards.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use shop::mailer::Mailer;
use shop::payments::PaymentStatus;
use shop::store::{RESERVATION_SECS, ReservationState};
use shop::{Category, Currency, Money, OrderStatus, Product, ProductStatus, Sku};
use stream_handlers::sweeper;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn add_product(shop: &Shop, sku: &str, price: i64, stock: u32) {
    shop.store
        .put_product(&Product {
            sku: Sku::parse(sku).unwrap(),
            name: format!("Product {sku}"),
            description: "A thing".into(),
            category: Category::parse("misc").unwrap(),
            price: Money::new(price, Currency::Eur),
            stock,
            status: ProductStatus::Active,
            images: vec![],
            featured: false,
            version: 0,
        })
        .await
        .unwrap();
}

async fn stock_of(shop: &Shop, sku: &str) -> u32 {
    shop.store
        .get_product(&Sku::parse(sku).unwrap())
        .await
        .unwrap()
        .stock
}

/// What `/api/catalogue/stock` shows for one SKU (available units).
async fn shown_stock(shop: &Shop, sku: &str) -> serde_json::Value {
    let a = call(
        &shop.api,
        "GET",
        &format!("/api/catalogue/stock?sku={sku}"),
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    a.json["items"][0].clone()
}

async fn stripe_get(path: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{}{path}", standins::services::stripe().endpoint()))
        .bearer_auth(STRIPE_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Stripe customers with this email (localstripe filters by `email`).
async fn customers_of(email: &str) -> Vec<serde_json::Value> {
    let j = stripe_get(&format!("/v1/customers?email={email}&limit=100")).await;
    j["data"].as_array().cloned().unwrap_or_default()
}

/// Every PaymentIntent localstripe holds whose customer is `customer`.
async fn intents_of(customer: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/v1/payment_intents?limit=100&starting_after={a}"),
            None => "/v1/payment_intents?limit=100".to_owned(),
        };
        let page = stripe_get(&path).await;
        let data = page["data"].as_array().cloned().unwrap_or_default();
        after = data
            .last()
            .and_then(|p| p["id"].as_str())
            .map(str::to_owned);
        out.extend(
            data.into_iter()
                .filter(|p| p["customer"].as_str() == Some(customer)),
        );
        if page["has_more"] != json!(true) || after.is_none() {
            return out;
        }
    }
}

async fn order_events(shop: &Shop) -> stream_handlers::order_events::State {
    let ses = standins::services::ses().endpoint();
    stream_handlers::order_events::State {
        store: shop.store.clone(),
        payments: shop.payments.clone(),
        mailer: Mailer::new(
            aws_sdk_sesv2::Client::new(&standins::aws::sdk_config(&ses).await),
            "shop@example.com",
        ),
        letterhead: shop::email::Letterhead {
            shop_name: "Edge Shop".into(),
            order_page: "https://shop.example/checkout/done/".into(),
            back_office_orders: "https://shop.example/admin/orders/".into(),
        },
        // No owner's notices: these tests count the shopper's emails.
        owner_email: None,
    }
}

fn sweeper_state(shop: &Shop) -> sweeper::State {
    sweeper::State {
        store: shop.store.clone(),
        payments: shop.payments.clone(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// N distinct buyers with real card tokens race for K units: exactly K
/// are authorised, the others are told `sold_out` and never reach Stripe;
/// once settled, K orders are confirmed and captured, stock and reserved 0.
/// `BENCH_N` / `BENCH_K` change the sizes; the figures are printed
/// (`make bench-checkout`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn n_buyers_race_for_k_units_and_only_k_cards_are_held() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let k: u32 = std::env::var("BENCH_K")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let shop = shop().await;
    let sku = format!("RUSH-{}", ulid::Ulid::new().to_string().to_lowercase());
    add_product(&shop, &sku, 2000, k).await;
    let lines = json!([{"sku": sku, "quantity": 1}]);
    let total = Money::new(2500, Currency::Eur); // 20.00 + 5.00 shipping
    let tag = ulid::Ulid::new().to_string().to_lowercase();
    let buyers: Vec<String> = (0..n).map(|i| format!("rush-{tag}-{i}")).collect();
    let tokens = futures::future::join_all((0..n).map(|_| card_token("4242424242424242"))).await;

    let started = Instant::now();
    let answers = futures::future::join_all(buyers.iter().zip(&tokens).map(|(b, t)| {
        let shop = &shop;
        let body = checkout_body_expecting(lines.clone(), t, total);
        async move {
            let who = shopper(b);
            let t0 = Instant::now();
            let a = checkout(shop, &who, &key(), body).await;
            (b.clone(), a, t0.elapsed())
        }
    }))
    .await;
    let race = started.elapsed();

    let mut latencies: Vec<Duration> = answers.iter().map(|(_, _, d)| *d).collect();
    latencies.sort();
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for (buyer, a, _) in &answers {
        match (a.status, a.code()) {
            (StatusCode::CREATED, _) => {
                assert_eq!(a.json["status"], "requires_capture", "{}", a.json);
                winners.push((
                    buyer.clone(),
                    a.json["checkoutId"].as_str().unwrap().to_owned(),
                ));
            }
            (StatusCode::CONFLICT, "sold_out") => {
                assert_eq!(a.json["sku"], sku.to_uppercase());
                assert_eq!(a.json["available"], 0);
                losers.push(buyer.clone());
            }
            other => panic!("{buyer}: unexpected {other:?} {}", a.json),
        }
    }
    assert_eq!(winners.len(), k as usize, "exactly K checkouts authorised");
    assert_eq!(losers.len(), n - k as usize);
    assert_eq!(shown_stock(&shop, &sku).await["stock"], 0, "all reserved");

    // Exactly K authorisations: one customer and one intent per winner,
    // and no Stripe customer at all for anyone told sold_out.
    for (buyer, _) in &winners {
        let customers = customers_of(&format!("{buyer}@example.com")).await;
        assert_eq!(customers.len(), 1, "{buyer}");
        let intents = intents_of(customers[0]["id"].as_str().unwrap()).await;
        assert_eq!(intents.len(), 1, "{buyer}");
        assert_eq!(intents[0]["amount"], 2500);
    }
    for buyer in &losers {
        assert!(
            customers_of(&format!("{buyer}@example.com"))
                .await
                .is_empty(),
            "{buyer} was sold out yet reached Stripe"
        );
    }

    // Settle: each winner's page confirms, order-events sells and captures.
    let events = order_events(&shop).await;
    let settle_started = Instant::now();
    futures::future::join_all(winners.iter().map(|(buyer, id)| {
        let (shop, events) = (&shop, &events);
        async move {
            let who = shopper(buyer);
            let c = call(
                &shop.api,
                "POST",
                &format!("/api/checkout/{id}/confirm"),
                Some(&who),
                &[],
                None,
            )
            .await;
            assert_eq!(c.json["status"], "authorized", "{}", c.json);
            stream_handlers::order_events::steps::settle(events, buyer, id)
                .await
                .unwrap();
        }
    }))
    .await;
    let settle = settle_started.elapsed();
    for (buyer, id) in &winners {
        let order = shop.store.get_order(buyer, id).await.unwrap();
        assert_eq!(order.status, OrderStatus::Confirmed, "{id}");
        assert!(
            order.has_effect(shop::Effect::Capture),
            "{id}: {:?}",
            order.effects
        );
        let pi = shop.payments.retrieve(&order.payment_intent).await.unwrap();
        assert_eq!(pi.status, PaymentStatus::Succeeded);
        let r = shop.store.get_reservation(id).await.unwrap().unwrap();
        assert_eq!(r.state, ReservationState::Sold);
    }
    assert_eq!(stock_of(&shop, &sku).await, 0);
    assert_eq!(reserved(&shop.store, &sku).await, 0);
    // Delivered again, nothing changes twice.
    for (buyer, id) in &winners {
        stream_handlers::order_events::steps::settle(&events, buyer, id)
            .await
            .unwrap();
    }
    assert_eq!(stock_of(&shop, &sku).await, 0);
    assert_eq!(reserved(&shop.store, &sku).await, 0);

    println!(
        "checkout race: {n} buyers, {k} units: checkout p50 {} ms, p95 {} ms, max {} ms; race {} ms; confirm + settle {} ms",
        percentile(&latencies, 0.50).as_millis(),
        percentile(&latencies, 0.95).as_millis(),
        latencies.last().unwrap().as_millis(),
        race.as_millis(),
        settle.as_millis(),
    );
}

/// Checkouts that never become orders give their units back once their
/// reservation expires (here: the sweep runs as if after the expiry), and
/// their card holds are cancelled; a second sweep frees nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_reservations_are_released_by_the_sweeper_once() {
    let shop = shop().await;
    add_product(&shop, "LAST-2", 3000, 2).await;
    let lines = json!([{"sku": "LAST-2", "quantity": 2}]);
    let total = Money::new(6000, Currency::Eur);
    let ada = shopper("ada");
    let token = card_token("4242424242424242").await;
    let a = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body_expecting(lines.clone(), &token, total),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
    let id = a.json["checkoutId"].as_str().unwrap().to_owned();
    let pi = a.json["paymentIntent"].as_str().unwrap().to_owned();
    // Everything is held: shoppers see it sold out and cannot reserve it.
    let shown = shown_stock(&shop, "LAST-2").await;
    assert_eq!(
        (shown["stock"].clone(), shown["available"].clone()),
        (json!(0), json!(false))
    );
    let bob = shopper("bob");
    let late = checkout(
        &shop,
        &bob,
        &key(),
        checkout_body_expecting(
            json!([{"sku": "LAST-2", "quantity": 1}]),
            &card_token("4242424242424242").await,
            Money::new(3500, Currency::Eur),
        ),
    )
    .await;
    assert_eq!(
        (late.status, late.code()),
        (StatusCode::CONFLICT, "sold_out")
    );

    // Ada walks away. Before the expiry the sweeper leaves her units alone.
    let state = sweeper_state(&shop);
    let early = sweeper::sweep(&state, now()).await.unwrap();
    assert_eq!(early.released, 0, "{early:?}");
    assert_eq!(reserved(&shop.store, "LAST-2").await, 2);

    // After it (a short expiry: the sweep's clock is moved past it).
    let after = now() + RESERVATION_SECS + 1;
    let swept = sweeper::sweep(&state, after).await.unwrap();
    assert_eq!(
        (swept.expired, swept.released, swept.holds_cancelled),
        (1, 1, 1),
        "{swept:?}"
    );
    assert_eq!(reserved(&shop.store, "LAST-2").await, 0);
    assert_eq!(stock_of(&shop, "LAST-2").await, 2, "stock untouched");
    assert_eq!(shown_stock(&shop, "LAST-2").await["stock"], 2);
    assert_eq!(
        shop.payments.retrieve(&pi).await.unwrap().status,
        PaymentStatus::Canceled
    );
    let r = shop.store.get_reservation(&id).await.unwrap().unwrap();
    assert_eq!(r.state, ReservationState::Released);

    // Released twice frees its units once.
    let again = sweeper::sweep(&state, after).await.unwrap();
    assert_eq!((again.expired, again.released), (0, 0), "{again:?}");
    assert!(!shop.store.release_reservation(&id).await.unwrap());
    assert_eq!(reserved(&shop.store, "LAST-2").await, 0);

    // The units are for sale again.
    let b = checkout(
        &shop,
        &bob,
        &key(),
        checkout_body_expecting(
            json!([{"sku": "LAST-2", "quantity": 1}]),
            &card_token("4242424242424242").await,
            Money::new(3500, Currency::Eur),
        ),
    )
    .await;
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.json);
    // An expired reservation whose order is authorised is left to order-events.
    let bid = b.json["checkoutId"].as_str().unwrap().to_owned();
    let c = call(
        &shop.api,
        "POST",
        &format!("/api/checkout/{bid}/confirm"),
        Some(&bob),
        &[],
        None,
    )
    .await;
    assert_eq!(c.json["status"], "authorized");
    let swept = sweeper::sweep(&state, after + RESERVATION_SECS)
        .await
        .unwrap();
    assert_eq!((swept.left_for_orders, swept.released), (1, 0), "{swept:?}");
    assert_eq!(reserved(&shop.store, "LAST-2").await, 1);
}

/// A declined card gives its units back at once; the page's next try (a
/// new card token, a new key) reserves them again; a failed 3-D Secure
/// releases them when the page confirms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_cards_and_failed_3ds_release_the_reservation() {
    let shop = shop().await;
    add_product(&shop, "ONE-1", 6000, 1).await;
    let lines = json!([{"sku": "ONE-1", "quantity": 1}]);
    let total = Money::new(6000, Currency::Eur);
    let ada = shopper("ada");
    let declined = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body_expecting(lines.clone(), &card_token("4000000000000341").await, total),
    )
    .await;
    assert_eq!(
        (declined.status, declined.code()),
        (StatusCode::PAYMENT_REQUIRED, "card_declined")
    );
    assert_eq!(reserved(&shop.store, "ONE-1").await, 0);
    assert_eq!(shown_stock(&shop, "ONE-1").await["stock"], 1);

    // 3-D Secure asked, and the shopper fails it: confirm releases.
    let secure = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body_expecting(lines.clone(), &card_token("4000000000003220").await, total),
    )
    .await;
    assert_eq!(secure.status, StatusCode::CREATED, "{}", secure.json);
    assert_eq!(secure.json["status"], "requires_action");
    assert_eq!(reserved(&shop.store, "ONE-1").await, 1);
    let id = secure.json["checkoutId"].as_str().unwrap().to_owned();
    let pi = secure.json["paymentIntent"].as_str().unwrap().to_owned();
    // What Stripe.js does when the bank's challenge fails.
    let failed: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/v1/payment_intents/{pi}/_authenticate",
            standins::services::stripe().endpoint()
        ))
        .bearer_auth(STRIPE_KEY)
        .form(&[
            (
                "client_secret",
                secure.json["clientSecret"].as_str().unwrap(),
            ),
            ("success", "false"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(failed["status"], "requires_payment_method", "{failed}");
    let c = call(
        &shop.api,
        "POST",
        &format!("/api/checkout/{id}/confirm"),
        Some(&ada),
        &[],
        None,
    )
    .await;
    assert_eq!(c.json["status"], "failed", "{}", c.json);
    assert_eq!(reserved(&shop.store, "ONE-1").await, 0);
    assert_eq!(
        shop.store
            .get_reservation(&id)
            .await
            .unwrap()
            .unwrap()
            .state,
        ReservationState::Released
    );

    // A second card: a new checkout reserves the unit again and pays.
    let ok = checkout(
        &shop,
        &ada,
        &key(),
        checkout_body_expecting(lines, &card_token("4242424242424242").await, total),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.json);
    assert_eq!(reserved(&shop.store, "ONE-1").await, 1);
}

/// A stand-in for Stripe in front of localstripe that passes everything on
/// but never answers the PaymentIntent creation (localstripe has made it):
/// a request that hangs on Stripe.
async fn hanging_stripe(reached: Arc<AtomicBool>) -> String {
    use axum::body::{Body, to_bytes};
    use axum::extract::Request;
    use axum::response::Response;
    let upstream = standins::services::stripe().endpoint();
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: Request| {
        let (upstream, client, reached) = (upstream.clone(), client.clone(), reached.clone());
        async move {
            let method = req.method().clone();
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default();
            let headers = req.headers().clone();
            let body = to_bytes(req.into_body(), 1 << 20).await.unwrap();
            let mut out = client.request(method.clone(), format!("{upstream}{path}"));
            for (k, v) in &headers {
                if k != "host" && k != "content-length" {
                    out = out.header(k, v);
                }
            }
            let resp = out.body(body).send().await.unwrap();
            if method == "POST" && path.starts_with("/v1/payment_intents") {
                reached.store(true, Ordering::SeqCst);
                std::future::pending::<()>().await;
            }
            let status = resp.status();
            let bytes = resp.bytes().await.unwrap();
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(bytes))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// The first request creates the customer and the PaymentIntent at Stripe
/// but never hears back (it hangs past the lease and dies); the page
/// retries three times at once. One take-over carries the checkout on with
/// the stored customer and Stripe's idempotency key: one customer, one
/// PaymentIntent, one order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_take_over_after_a_hang_on_stripe_makes_one_customer_one_intent_one_order() {
    let shop = shop().await;
    let tag = ulid::Ulid::new().to_string().to_lowercase();
    let buyer = format!("hang-{tag}");
    let who = shopper(&buyer);
    let token = card_token("4242424242424242").await;
    let k = key();
    let body = checkout_body(json!([{"sku": "A-1", "quantity": 1}]), &token);

    let reached = Arc::new(AtomicBool::new(false));
    let hanging = functions::shopper::router(functions::shopper::ShopperState {
        store: shop.store.clone(),
        payments: shop::payments::Payments::new(
            &hanging_stripe(reached.clone()).await,
            STRIPE_KEY.into(),
        ),
        users: None,
    });
    let first = tokio::spawn({
        let (who, k, body) = (who.clone(), k.clone(), body.clone());
        async move {
            call(
                &hanging,
                "POST",
                "/api/checkout",
                Some(&who),
                &[
                    ("content-type", "application/json"),
                    ("idempotency-key", &k),
                ],
                Some(body),
            )
            .await
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !reached.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the first request never reached the intent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !first.is_finished(),
        "the first request was to hang on Stripe"
    );
    first.abort();

    // The customer is known to the checkout, the intent is not.
    let pks = written(&shop.store).await;
    let id = pks
        .iter()
        .find(|p| p.starts_with("CHECKOUT#"))
        .unwrap()
        .trim_start_matches("CHECKOUT#")
        .to_owned();
    let stored = shop.store.get_checkout(&id).await.unwrap();
    assert!(stored.stripe_customer.is_some());
    assert!(stored.payment_intent.is_none());

    shop::fixtures::expire_claim_leases(&shop.store).await;
    let answers =
        futures::future::join_all((0..3).map(|_| checkout_answered(&shop, &who, &k, body.clone())))
            .await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.json);
        assert_eq!(a.json, answers[0].json);
    }
    let c = call(
        &shop.api,
        "POST",
        &format!("/api/checkout/{id}/confirm"),
        Some(&who),
        &[],
        None,
    )
    .await;
    assert_eq!(c.json["status"], "authorized", "{}", c.json);

    // Asked of localstripe itself: one customer, one PaymentIntent, one order.
    let customers = customers_of(&format!("{buyer}@example.com")).await;
    assert_eq!(customers.len(), 1, "{customers:?}");
    let customer = customers[0]["id"].as_str().unwrap();
    assert_eq!(Some(customer), stored.stripe_customer.as_deref());
    let intents = intents_of(customer).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["id"], answers[0].json["paymentIntent"]);
    let orders = shop
        .store
        .list_orders_by_customer(&buyer, 20, None)
        .await
        .unwrap();
    assert_eq!(orders.items.len(), 1);
    assert_eq!(reserved(&shop.store, "A-1").await, 1, "one reservation");
}
