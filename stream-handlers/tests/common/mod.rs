//! The test harness: a fresh table with its stream in the shared DynamoDB
//! Local, localstripe, aws-ses-v2-local, and helpers to make authorised
//! orders with real PaymentIntents.

#![allow(dead_code)]

pub(crate) mod refusing_ses;

use std::sync::atomic::{AtomicU32, Ordering};

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use serde::Deserialize;
use shop::mailer::Mailer;
use shop::payments::{PaymentStatus, Payments};
use shop::store::table;
use shop::{Category, Currency, Money, Order, PricedLine, Product, ProductStatus, Sku, Store};
use stream_handlers::convert::event_of;
use stream_handlers::filter::KeyFilter;
use stream_handlers::order_events::{self, State};
use stream_handlers::poller::StreamPoller;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A secret localstripe accepts (it checks none).
pub(crate) const STRIPE_KEY: &str = standins::fixtures::STRIPE_KEY;

/// One test's world.
pub(crate) struct World {
    /// Table, Stripe and SES clients that work.
    pub state: State,
    /// The table's stream, `ORDER#` records only (the template's filter).
    pub poller: StreamPoller,
    /// Prefix of this test's recipient addresses (the SES store is shared).
    pub tag: String,
    http: reqwest::Client,
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A port nothing listens on.
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A mailer whose SES endpoint refuses connections.
pub(crate) async fn dead_mailer() -> Mailer {
    let conf = standins::aws::sdk_config(&format!("http://127.0.0.1:{}", closed_port())).await;
    Mailer::new(aws_sdk_sesv2::Client::new(&conf), "shop@example.com")
}

/// A Stripe client whose base URL refuses connections.
pub(crate) fn dead_payments() -> Payments {
    Payments::new(
        &format!("http://127.0.0.1:{}", closed_port()),
        STRIPE_KEY.into(),
    )
}

impl World {
    /// A fresh table (and stream) plus the shared stand-ins.
    pub(crate) async fn new() -> World {
        let ddb = standins::services::dynamodb().endpoint();
        let ses = standins::services::ses().endpoint();
        let stripe = standins::services::stripe().endpoint();
        let client = standins::aws::dynamodb_client(&ddb).await;
        let name = unique("events");
        table::create_table(&client, &name)
            .await
            .expect("create table");
        let streams = aws_sdk_dynamodbstreams::Client::new(&standins::aws::sdk_config(&ddb).await);
        let poller = StreamPoller::for_table(streams, &name)
            .await
            .expect("stream")
            .with_filter(KeyFilter::orders());
        let ses_client = aws_sdk_sesv2::Client::new(&standins::aws::sdk_config(&ses).await);
        World {
            state: State {
                store: Store::new(client, name),
                payments: Payments::new(&stripe, STRIPE_KEY.into()),
                mailer: order_events::mailer(ses_client, "shop@example.com", &letterhead()),
                letterhead: letterhead(),
                owner_email: None,
            },
            poller,
            tag: unique("shopper"),
            http: reqwest::Client::new(),
        }
    }

    /// The state with another mailer or Stripe client (to inject failures).
    pub(crate) fn state_with(&self, mailer: Option<Mailer>, payments: Option<Payments>) -> State {
        State {
            store: self.state.store.clone(),
            payments: payments.unwrap_or_else(|| self.state.payments.clone()),
            mailer: mailer.unwrap_or_else(|| self.state.mailer.clone()),
            letterhead: self.state.letterhead.clone(),
            owner_email: self.state.owner_email.clone(),
        }
    }

    /// Adds a product with `stock` units.
    pub(crate) async fn product(&self, sku: &str, stock: u32) -> Product {
        let p = Product {
            sku: Sku::parse(sku).expect("sku"),
            name: format!("Product <{sku}> & co"),
            description: "A thing".into(),
            category: Category::parse("kitchen").expect("category"),
            price: Money::new(1250, Currency::Eur),
            stock,
            status: ProductStatus::Active,
            images: vec![],
            featured: false,
            version: 0,
        };
        self.state.store.put_product(&p).await.expect("put product")
    }

    /// Current stock of `sku`.
    pub(crate) async fn stock(&self, sku: &str) -> u32 {
        self.state
            .store
            .get_product(&Sku::parse(sku).expect("sku"))
            .await
            .expect("product")
            .stock
    }

    /// A card authorised at localstripe for `amount` cents: token → customer
    /// → PaymentIntent (`capture_method=manual`, confirmed) in `requires_capture`.
    pub(crate) async fn authorise(&self, amount: i64) -> String {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let stripe = standins::services::stripe().endpoint();
        let token: Id = self
            .http
            .post(format!("{stripe}/v1/tokens"))
            .bearer_auth(STRIPE_KEY)
            .form(&[
                ("card[number]", "4242424242424242"),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2040"),
                ("card[cvc]", "123"),
            ])
            .send()
            .await
            .expect("token")
            .error_for_status()
            .expect("token status")
            .json()
            .await
            .expect("token json");
        let payments = &self.state.payments;
        let customer = payments
            .create_customer(&format!("{}@example.com", self.tag), &token.id)
            .await
            .expect("customer");
        let checkout = ulid::Ulid::new().to_string();
        let pi = payments
            .create_authorization(
                &customer,
                Money::new(amount, Currency::Eur),
                &checkout,
                &format!("auth-{checkout}"),
            )
            .await
            .expect("authorise");
        assert_eq!(pi.status, PaymentStatus::RequiresCapture);
        pi.id
    }

    /// Writes an `authorized` order (as the confirm call does) for `lines`
    /// (sku, quantity) with a real authorised PaymentIntent; returns it.
    pub(crate) async fn authorised_order(&self, lines: &[(&str, u32)]) -> Order {
        let eur = |a| Money::new(a, Currency::Eur);
        let priced: Vec<PricedLine> = lines
            .iter()
            .map(|(sku, q)| PricedLine {
                sku: Sku::parse(sku).expect("sku"),
                name: format!("Product <{sku}> & co"),
                unit_price: eur(1250),
                quantity: *q,
                line_total: eur(1250 * i64::from(*q)),
            })
            .collect();
        let subtotal: i64 = priced.iter().map(|l| l.line_total.amount).sum();
        let payment_intent = self.authorise(subtotal + shop::fixtures::SHIPPING).await;
        let id = ulid::Ulid::new().to_string();
        let order = shop::fixtures::order(
            &id,
            &unique("sub"),
            &format!("{}+{id}@example.com", self.tag),
            priced,
            &payment_intent,
        );
        self.state
            .store
            .put_order_if_absent(&order)
            .await
            .expect("put order");
        order
    }

    /// The order as stored now.
    pub(crate) async fn order(&self, order: &Order) -> Order {
        self.state
            .store
            .get_order(&order.customer, &order.id)
            .await
            .expect("order")
    }

    /// Every `ORDER#` record written to the stream since the last call.
    pub(crate) async fn records(&mut self) -> Vec<EventRecord> {
        self.poller.drain().await.expect("poll stream")
    }

    /// Polls and handles until the stream has nothing new (the handler's own
    /// writes produce records too); panics on a reported failure.
    pub(crate) async fn settle(&mut self) {
        loop {
            let records = self.records().await;
            if records.is_empty() {
                return;
            }
            let response =
                stream_handlers::order_events::handle(&self.state, event_of(records)).await;
            assert!(
                response.batch_item_failures.is_empty(),
                "failures: {:?}",
                response.batch_item_failures
            );
        }
    }

    /// Like [`World::settle`], with every delivery repeated: each record three times in its
    /// batch, and each batch handled `times` times. Answers every record seen, oldest first,
    /// for replaying the whole history.
    pub(crate) async fn settle_redelivered(&mut self, times: usize) -> Vec<EventRecord> {
        let mut all = Vec::new();
        loop {
            let records = self.records().await;
            if records.is_empty() {
                return all;
            }
            all.extend(records.iter().cloned());
            let tripled = tripled(&records);
            for _ in 0..times {
                assert!(handle(&self.state, tripled.clone()).await.is_empty());
            }
        }
    }

    /// Emails sent to this test's addresses (the SES store is shared).
    pub(crate) async fn emails(&self) -> Vec<SentEmail> {
        let ses = standins::services::ses().endpoint();
        let store: SesStore = self
            .http
            .get(format!("{ses}/store"))
            .send()
            .await
            .expect("ses store")
            .json()
            .await
            .expect("ses store json");
        store
            .emails
            .into_iter()
            .filter(|e| {
                e.destination
                    .to
                    .iter()
                    .any(|to| to.starts_with(&format!("{}+", self.tag)))
            })
            .collect()
    }

    /// Emails sent to `order`'s address.
    pub(crate) async fn emails_of(&self, order: &Order) -> Vec<SentEmail> {
        self.emails()
            .await
            .into_iter()
            .filter(|e| e.destination.to == [order.email.clone()])
            .collect()
    }

    /// The PaymentIntent's status at localstripe.
    pub(crate) async fn payment_status(&self, order: &Order) -> PaymentStatus {
        self.state
            .payments
            .retrieve(&order.payment_intent)
            .await
            .expect("retrieve")
            .status
    }
}

/// Handles `records` as one Lambda invocation and returns the failed identifiers.
/// Each record three times in a row, as a redelivering event source might send them.
pub(crate) fn tripled(records: &[EventRecord]) -> Vec<EventRecord> {
    records
        .iter()
        .flat_map(|r| [r.clone(), r.clone(), r.clone()])
        .collect()
}

pub(crate) async fn handle(state: &State, records: Vec<EventRecord>) -> Vec<String> {
    let event: Event = event_of(records);
    stream_handlers::order_events::handle(state, event)
        .await
        .batch_item_failures
        .into_iter()
        .filter_map(|f| f.item_identifier)
        .collect()
}

/// The sequence number of a record.
pub(crate) fn seq(record: &EventRecord) -> String {
    record
        .change
        .sequence_number
        .clone()
        .expect("sequence number")
}

/// aws-ses-v2-local's `GET /store`.
#[derive(Debug, Deserialize)]
pub(crate) struct SesStore {
    /// Every email sent since the last clear.
    pub emails: Vec<SentEmail>,
}

/// One email as aws-ses-v2-local stored it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SentEmail {
    /// `From`.
    pub from: String,
    /// Recipients.
    pub destination: Destination,
    /// Subject line.
    pub subject: String,
    /// `Reply-To` addresses.
    #[serde(rename = "replyTo", default)]
    pub reply_to: Vec<String>,
    /// Bodies.
    pub body: Body,
}

/// Recipients of a stored email.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Destination {
    /// `To` addresses.
    pub to: Vec<String>,
}

/// Bodies of a stored email.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Body {
    /// HTML part.
    pub html: Option<String>,
    /// Text part.
    pub text: Option<String>,
}

/// Asserts no effect is recorded twice.
pub(crate) fn assert_effects_once(order: &Order) {
    let mut seen = std::collections::HashSet::new();
    for e in &order.effects {
        assert!(
            seen.insert(e),
            "effect {e} recorded twice: {:?}",
            order.effects
        );
    }
}

/// The emails' letterhead for a shop at `https://shop.example`.
pub(crate) fn letterhead() -> shop::email::Letterhead {
    stream_handlers::order_events::letterhead(&static_site::SiteConfig {
        base_url: "https://shop.example".into(),
        site_name: "Tea & Things".into(),
        ..static_site::SiteConfig::default()
    })
}
