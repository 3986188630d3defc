//! `order-events` against the real stand-ins: DynamoDB Local (records read
//! from its stream), localstripe and aws-ses-v2-local.

mod common;

use common::{World, assert_effects_once, dead_mailer, dead_payments, handle, seq, tripled};
use shop::OrderStatus;
use shop::payments::PaymentStatus;
use stream_handlers::convert::event_of;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authorised_order_is_confirmed_captured_and_emailed_once() {
    let mut w = World::new().await;
    w.product("MUG-1", 3).await;
    w.product("TEA-1", 10).await;
    let order = w.authorised_order(&[("MUG-1", 2), ("TEA-1", 1)]).await;

    let records = w.records().await;
    assert_eq!(records.len(), 1, "one INSERT for the order: {records:?}");
    assert_eq!(records[0].event_name, "INSERT");
    assert!(handle(&w.state, records).await.is_empty());
    w.settle().await;

    assert_eq!(w.stock("MUG-1").await, 1);
    assert_eq!(w.stock("TEA-1").await, 9);
    assert_eq!(w.payment_status(&order).await, PaymentStatus::Succeeded);
    let stored = w.order(&order).await;
    assert_eq!(stored.status, OrderStatus::Confirmed);
    assert_eq!(stored.effects, ["stock", "capture", "email:confirmed"]);
    let emails = w.emails_of(&order).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    let email = &emails[0];
    assert!(email.subject.contains("is confirmed"), "{}", email.subject);
    // From the shop's address under the shop's name (order_events::mailer).
    assert_eq!(email.from, "Tea & Things <shop@example.com>");
    let text = email.body.text.clone().unwrap_or_default();
    let html = email.body.html.clone().unwrap_or_default();
    assert!(text.contains("2 × Product <MUG-1> & co"), "{text}");
    assert!(html.contains("Product &#60;MUG-1&#62; &#38; co"), "{html}");
    assert!(text.contains("€42.50") && text.contains("SW1Y 4JH"));
    // As the site names the shop, with the way back to the order's page.
    assert!(
        email.subject.starts_with("Your Tea & Things order"),
        "{}",
        email.subject
    );
    let link = format!("https://shop.example/checkout/done/?order={}", order.id);
    assert!(text.contains(&link), "{text}");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_orders_for_five_units_confirm_five_and_cancel_the_rest() {
    let mut w = World::new().await;
    w.product("LAMP-1", 5).await;
    let orders: Vec<_> =
        futures::future::join_all((0..40).map(|_| w.authorised_order(&[("LAMP-1", 1)]))).await;

    // Four invocations side by side, like four shards' batches.
    let records = w.records().await;
    assert_eq!(records.len(), 40);
    let state = &w.state;
    let failures = futures::future::join_all(
        records
            .chunks(10)
            .map(|chunk| handle(state, chunk.to_vec())),
    )
    .await;
    assert!(failures.iter().all(Vec::is_empty), "{failures:?}");
    w.settle().await;

    assert_eq!(w.stock("LAMP-1").await, 0);
    let mut confirmed = 0;
    let mut cancelled = 0;
    for order in &orders {
        let stored = w.order(order).await;
        assert_effects_once(&stored);
        let emails = w.emails_of(order).await;
        assert_eq!(emails.len(), 1, "order {}: {emails:?}", order.id);
        match stored.status {
            OrderStatus::Confirmed => {
                confirmed += 1;
                assert_eq!(w.payment_status(order).await, PaymentStatus::Succeeded);
                assert_eq!(stored.effects, ["stock", "capture", "email:confirmed"]);
                assert!(emails[0].subject.contains("is confirmed"));
            }
            OrderStatus::Cancelled => {
                cancelled += 1;
                assert_eq!(w.payment_status(order).await, PaymentStatus::Canceled);
                assert_eq!(stored.effects, ["cancel", "email:cancelled"]);
                assert_eq!(
                    stored.cancel_reason.as_deref(),
                    Some("Product <LAMP-1> & co sold out before we could reserve it for you.")
                );
                assert!(emails[0].subject.contains("could not be completed"));
                assert!(
                    emails[0]
                        .body
                        .text
                        .clone()
                        .unwrap_or_default()
                        .contains("not been charged")
                );
            }
            other => panic!("order {} is {other}", order.id),
        }
    }
    assert_eq!((confirmed, cancelled), (5, 35));
    assert_eq!(w.emails().await.len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_record_delivered_three_times_changes_nothing_twice() {
    let mut w = World::new().await;
    w.product("VASE-1", 2).await;
    let orders = [
        w.authorised_order(&[("VASE-1", 1)]).await,
        w.authorised_order(&[("VASE-1", 1)]).await,
        w.authorised_order(&[("VASE-1", 1)]).await,
    ];
    // Each record three times in one batch, and the batch twice more.
    let all = w.settle_redelivered(3).await;
    // And the whole history once more, oldest first.
    assert!(handle(&w.state, all).await.is_empty());
    w.settle().await;

    assert_eq!(w.stock("VASE-1").await, 0);
    let mut statuses = Vec::new();
    for order in &orders {
        let stored = w.order(order).await;
        assert_effects_once(&stored);
        assert_eq!(w.emails_of(order).await.len(), 1);
        statuses.push(stored.status);
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [
            OrderStatus::Confirmed,
            OrderStatus::Confirmed,
            OrderStatus::Cancelled
        ]
    );
    assert_eq!(w.emails().await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ses_failure_fails_that_order_only_and_a_retry_doubles_nothing() {
    let mut w = World::new().await;
    w.product("BOWL-1", 10).await;
    let settled = w.authorised_order(&[("BOWL-1", 1)]).await;
    w.settle().await;
    let settled_records = {
        // Its history, to be redelivered in the failing batch.
        let stored = w.order(&settled).await;
        assert_eq!(stored.status, OrderStatus::Confirmed);
        stored
    };

    let order = w.authorised_order(&[("BOWL-1", 2)]).await;
    let mut records = w.records().await;
    assert_eq!(records.len(), 1);
    let new_record = records[0].clone();
    // The batch: the new order's record, a redelivery of it, a record of
    // the settled order, and a record with DynamoDB Local's unknown TTL name.
    records.push(new_record.clone());
    let mut settled_record = new_record.clone();
    settled_record.change.keys = serde_dynamo::Item::from(std::collections::HashMap::from([
        (
            "PK".to_owned(),
            serde_dynamo::AttributeValue::S(format!("CUSTOMER#{}", settled.customer)),
        ),
        (
            "SK".to_owned(),
            serde_dynamo::AttributeValue::S(format!("ORDER#{}", settled.id)),
        ),
    ]));
    settled_record.change.sequence_number = Some("999999999999999999999".into());
    records.insert(0, settled_record.clone());
    let mut ttl_record = settled_record.clone();
    ttl_record.event_name = "UNKNOWN_TTL_EVENT".into();
    ttl_record.change.sequence_number = Some("999999999999999999998".into());
    records.push(ttl_record);

    let broken = w.state_with(Some(dead_mailer().await), None);
    let failed = handle(&broken, records.clone()).await;
    assert_eq!(failed, [seq(&new_record), seq(&new_record)]);
    // Stock and capture happened; the email did not, and is not recorded.
    let stored = w.order(&order).await;
    assert_eq!(stored.effects, ["stock", "capture"]);
    assert_eq!(w.emails_of(&order).await.len(), 0);
    assert_eq!(w.stock("BOWL-1").await, 7);

    // Lambda retries from the failed record with working clients.
    assert!(handle(&w.state, records).await.is_empty());
    w.settle().await;
    let stored = w.order(&order).await;
    assert_eq!(stored.effects, ["stock", "capture", "email:confirmed"]);
    assert_eq!(w.emails_of(&order).await.len(), 1);
    assert_eq!(w.emails_of(&settled).await.len(), 1);
    assert_eq!(w.order(&settled).await.version, settled_records.version);
    assert_eq!(w.stock("BOWL-1").await, 7);
    assert_eq!(w.payment_status(&order).await, PaymentStatus::Succeeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stripe_failure_fails_the_record_and_a_retry_captures_once() {
    let mut w = World::new().await;
    w.product("CUP-1", 1).await;
    let first = w.authorised_order(&[("CUP-1", 1)]).await;
    let second = w.authorised_order(&[("CUP-1", 1)]).await;
    let records = w.records().await;
    assert_eq!(records.len(), 2);

    let broken = w.state_with(None, Some(dead_payments()));
    let failed = handle(&broken, records.clone()).await;
    assert_eq!(failed.len(), 2, "both orders need Stripe: {failed:?}");
    // Different orders are handled side by side: either may win the one cup.
    let (a, b) = (w.order(&first).await, w.order(&second).await);
    let ((winner, w1), (loser, l1)) = if a.status == OrderStatus::Confirmed {
        ((first, a), (second, b))
    } else {
        ((second, b), (first, a))
    };
    assert_eq!(
        (w1.status, l1.status),
        (OrderStatus::Confirmed, OrderStatus::Cancelled)
    );
    assert_eq!(w1.effects, ["stock"]);
    assert!(l1.effects.is_empty());
    assert_eq!(
        w.payment_status(&winner).await,
        PaymentStatus::RequiresCapture
    );
    assert_eq!(
        w.payment_status(&loser).await,
        PaymentStatus::RequiresCapture
    );
    assert!(w.emails().await.is_empty());

    assert!(handle(&w.state, records).await.is_empty());
    w.settle().await;
    assert_eq!(w.stock("CUP-1").await, 0);
    assert_eq!(w.payment_status(&winner).await, PaymentStatus::Succeeded);
    assert_eq!(w.payment_status(&loser).await, PaymentStatus::Canceled);
    assert_eq!(
        w.order(&winner).await.effects,
        ["stock", "capture", "email:confirmed"]
    );
    assert_eq!(w.order(&loser).await.effects, ["cancel", "email:cancelled"]);
    assert_eq!(w.emails().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shipped_and_refunded_send_one_email_each() {
    let mut w = World::new().await;
    w.product("RUG-1", 4).await;
    let order = w.authorised_order(&[("RUG-1", 1)]).await;
    w.settle().await;

    // The owner ships it (as the admin API will: a versioned update).
    let mut shipped = w.order(&order).await;
    shipped.status = shipped.status.apply(shop::OrderEvent::Ship).expect("ship");
    shipped.tracking = Some("JJD0001 <fragile>".into());
    w.state.store.update_order(&shipped).await.expect("ship");
    let records = w.records().await;
    assert_eq!(records.len(), 1);
    for _ in 0..3 {
        assert!(handle(&w.state, records.clone()).await.is_empty());
    }
    w.settle().await;
    let emails = w.emails_of(&order).await;
    assert_eq!(emails.len(), 2, "{emails:?}");
    assert!(emails[1].subject.contains("has shipped"));
    assert!(
        emails[1]
            .body
            .text
            .clone()
            .unwrap_or_default()
            .contains("Tracking reference: JJD0001 <fragile>")
    );

    let mut refunded = w.order(&order).await;
    refunded.status = refunded
        .status
        .apply(shop::OrderEvent::Refund)
        .expect("refund");
    w.state.store.update_order(&refunded).await.expect("refund");
    let records = w.records().await;
    assert!(
        handle(&w.state, [records.clone(), records].concat())
            .await
            .is_empty()
    );
    w.settle().await;
    let emails = w.emails_of(&order).await;
    assert_eq!(emails.len(), 3);
    assert!(emails[2].subject.contains("refunded"));
    let stored = w.order(&order).await;
    assert_eq!(
        stored.effects,
        [
            "stock",
            "capture",
            "email:confirmed",
            "email:shipped",
            "email:refunded"
        ]
    );
    assert_eq!(w.stock("RUG-1").await, 3);
}

/// The owner's refund as the admin API writes it: `refunded`, the `refund` effect and the
/// restock choice, in one versioned update.
async fn refund(w: &World, order: &shop::Order, restock: bool) {
    let mut refunded = w.order(order).await;
    refunded.status = refunded
        .status
        .apply(shop::OrderEvent::Refund)
        .expect("refund");
    refunded.restock = restock;
    refunded.add_effect(shop::Effect::Refund);
    w.state.store.update_order(&refunded).await.expect("refund");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refund_chosen_to_restock_puts_the_units_back_exactly_once() {
    let mut w = World::new().await;
    w.product("SOFA-1", 5).await;
    w.product("LAMP-2", 1).await;
    let back = w.authorised_order(&[("SOFA-1", 2), ("LAMP-2", 1)]).await;
    let kept = w.authorised_order(&[("SOFA-1", 1)]).await;
    w.settle().await;
    assert_eq!((w.stock("SOFA-1").await, w.stock("LAMP-2").await), (2, 0));

    refund(&w, &back, true).await;
    refund(&w, &kept, false).await;
    // The refund email goes first: recorded as sent here, so that what the invocations below
    // race on is the restock alone (concurrent invocations of one order may each send an email).
    for order in [&back, &kept] {
        let mut emailed = w.order(order).await;
        emailed.add_effect(shop::Effect::Email(shop::EmailKind::Refunded));
        w.state
            .store
            .update_order(&emailed)
            .await
            .expect("email recorded");
    }
    let records = w.records().await;
    assert_eq!(records.len(), 4, "{records:?}");
    // Each record three times in one batch, the batch handled by three invocations at once,
    // then twice more.
    let tripled = tripled(&records);
    let failures =
        futures::future::join_all((0..3).map(|_| handle(&w.state, tripled.clone()))).await;
    assert!(failures.iter().all(Vec::is_empty), "{failures:?}");
    for _ in 0..2 {
        assert!(handle(&w.state, tripled.clone()).await.is_empty());
    }
    w.settle().await;

    assert_eq!(
        (w.stock("SOFA-1").await, w.stock("LAMP-2").await),
        (4, 1),
        "the restocked order's 2 + 1 units are back once; the other order's unit is not"
    );
    let stored = w.order(&back).await;
    assert_effects_once(&stored);
    assert_eq!(
        stored.effects,
        [
            "stock",
            "capture",
            "email:confirmed",
            "refund",
            "email:refunded",
            "restock"
        ]
    );
    let stored = w.order(&kept).await;
    assert!(!stored.effects.contains(&shop::Effect::Restock));
    assert_eq!(w.emails_of(&kept).await.len(), 1, "the confirmation alone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restock_whose_product_is_gone_puts_nothing_back_and_tells_the_owner() {
    let mut w = World::new().await;
    w.product("JUG-1", 3).await;
    w.product("JUG-2", 3).await;
    let order = w.authorised_order(&[("JUG-1", 1), ("JUG-2", 1)]).await;
    w.settle().await;
    // The shop never deletes a product; a hand edit in the table does.
    let (pk, sk) = shop::store::product_key(&shop::Sku::parse("JUG-2").expect("sku"));
    w.state
        .store
        .client()
        .delete_item()
        .table_name(w.state.store.table())
        .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(pk))
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S(sk))
        .send()
        .await
        .expect("delete");
    refund(&w, &order, true).await;
    let records = w.records().await;
    assert!(
        handle(&w.state, records).await.is_empty(),
        "the record is done with"
    );
    w.settle().await;
    assert_eq!(w.stock("JUG-1").await, 2, "no line goes back alone");
    let stored = w.order(&order).await;
    assert!(!stored.effects.contains(&shop::Effect::Restock));
    assert!(
        stored.effects.contains(&shop::Effect::RestockFailed),
        "the owner is told: {:?}",
        stored.effects
    );
    assert!(
        matches!(
            w.state
                .store
                .get_product(&shop::Sku::parse("JUG-2").expect("sku"))
                .await,
            Err(shop::StoreError::NotFound)
        ),
        "no half product is created"
    );
    // The shopper's refund email went out first, whatever became of the stock.
    let emails = w.emails_of(&order).await;
    assert!(
        emails.iter().any(|e| e.subject.contains("refunded")),
        "{emails:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn product_records_and_deletions_are_ignored() {
    let mut w = World::new().await;
    w.product("PEN-1", 1).await;
    let order = w.authorised_order(&[("PEN-1", 1)]).await;
    // Unfiltered, the stream also has the product's INSERT: the handler skips it.
    let ddb = standins::services::dynamodb().endpoint();
    let streams = aws_sdk_dynamodbstreams::Client::new(&standins::aws::sdk_config(&ddb).await);
    let mut raw = stream_handlers::poller::StreamPoller::for_table(streams, w.state.store.table())
        .await
        .expect("stream");
    let all = raw.drain().await.expect("poll");
    assert_eq!(all.len(), 2, "product + order: {all:?}");
    assert_eq!(
        w.records().await.len(),
        1,
        "the filtered poller sees the order only"
    );
    let product_only: Vec<_> = all
        .iter()
        .filter(|r| !stream_handlers::filter::KeyFilter::orders().matches(r))
        .cloned()
        .collect();
    assert_eq!(product_only.len(), 1);
    let response = stream_handlers::order_events::handle(&w.state, event_of(product_only)).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(w.order(&order).await.status, OrderStatus::Authorized);
    assert_eq!(w.stock("PEN-1").await, 1);
}

/// The owner's address for this test's notices (the SES store is shared: tagged like the
/// shoppers' so [`World::emails`] finds them).
fn owner(w: &World) -> String {
    format!("{}+owner@example.com", w.tag)
}

/// Emails sent to `to`.
async fn emails_to(w: &World, to: &str) -> Vec<common::SentEmail> {
    w.emails()
        .await
        .into_iter()
        .filter(|e| e.destination.to == [to.to_owned()])
        .collect()
}

/// The owner ships `order` (as the admin API does: a versioned update).
async fn ship(w: &World, order: &shop::Order) {
    let mut shipped = w.order(order).await;
    shipped.status = shipped.status.apply(shop::OrderEvent::Ship).expect("ship");
    w.state.store.update_order(&shipped).await.expect("ship");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_owner_is_told_of_each_paid_order_once_however_often_it_is_delivered() {
    let mut w = World::new().await;
    w.state.owner_email = Some(owner(&w));
    w.product("JAR-1", 5).await;
    w.product("SOLD-1", 0).await;
    let orders = [
        w.authorised_order(&[("JAR-1", 2)]).await,
        w.authorised_order(&[("JAR-1", 1)]).await,
    ];
    // Sold out: cancelled, never paid, nothing to pack.
    let cancelled = w.authorised_order(&[("SOLD-1", 1)]).await;
    let all = w.settle_redelivered(2).await;
    assert!(handle(&w.state, all).await.is_empty());
    w.settle().await;

    let notices = emails_to(&w, &owner(&w)).await;
    assert_eq!(notices.len(), 2, "one per paid order: {notices:?}");
    for order in &orders {
        let stored = w.order(order).await;
        assert_effects_once(&stored);
        assert!(stored.notify_owner);
        assert_eq!(
            stored.effects,
            ["stock", "capture", "email:confirmed", "email:new-order"]
        );
        let own = w.emails_of(order).await;
        assert_eq!(own.len(), 1, "the shopper's one email");
        assert!(
            own[0].reply_to.is_empty(),
            "the shopper replies to the shop"
        );
        let notice: Vec<_> = notices
            .iter()
            .filter(|e| e.subject.contains(&order.id))
            .collect();
        assert_eq!(notice.len(), 1, "{notices:?}");
        let n = notice[0];
        assert_eq!(
            n.subject,
            format!("New Tea & Things order {} — {}", order.id, order.total)
        );
        assert_eq!(n.from, "Tea & Things <shop@example.com>");
        // The owner's reply goes to the shopper.
        assert_eq!(n.reply_to, std::slice::from_ref(&order.email));
        let text = n.body.text.clone().unwrap_or_default();
        let html = n.body.html.clone().unwrap_or_default();
        let link = format!("https://shop.example/admin/orders/?order={}", order.id);
        assert!(
            text.contains(&format!("In the back office: {link}")),
            "{text}"
        );
        assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
        assert!(text.contains(&order.email), "{text}");
        assert!(text.contains("Product <JAR-1> & co (JAR-1)"), "{text}");
        assert!(html.contains("Product &#60;JAR-1&#62; &#38; co"), "{html}");
        assert!(text.contains("SW1Y 4JH"), "{text}");
    }
    let stored = w.order(&cancelled).await;
    assert_eq!(stored.status, OrderStatus::Cancelled);
    assert!(
        !stored
            .effects
            .iter()
            .any(|e| e.as_str().contains("new-order"))
    );

    // Shipped later: no second notice.
    ship(&w, &orders[0]).await;
    w.settle().await;
    assert_eq!(emails_to(&w, &owner(&w)).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_order_shipped_before_its_notice_still_tells_the_owner() {
    let mut w = World::new().await;
    w.state.owner_email = Some(owner(&w));
    w.product("JAR-2", 5).await;
    let order = w.authorised_order(&[("JAR-2", 1)]).await;
    // SES down: stock taken and payment captured, no email yet.
    let records = w.records().await;
    let broken = w.state_with(Some(dead_mailer().await), None);
    assert_eq!(handle(&broken, records).await.len(), 1);
    assert_eq!(w.order(&order).await.effects, ["stock", "capture"]);
    // The owner ships it meanwhile; then SES is back.
    ship(&w, &order).await;
    w.settle().await;
    let stored = w.order(&order).await;
    assert_eq!(
        stored.effects,
        [
            "stock",
            "capture",
            "email:confirmed",
            "email:shipped",
            "email:new-order"
        ]
    );
    assert_eq!(emails_to(&w, &owner(&w)).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_an_address_no_notice_and_setting_one_later_tells_nothing_of_older_orders() {
    let mut w = World::new().await;
    assert_eq!(w.state.owner_email, None);
    w.product("JAR-3", 5).await;
    let older = w.authorised_order(&[("JAR-3", 1)]).await;
    w.settle().await;
    let stored = w.order(&older).await;
    assert!(!stored.notify_owner);
    assert_eq!(stored.effects, ["stock", "capture", "email:confirmed"]);

    // The owner sets an address; the older order changes (shipped): still no notice for it.
    w.state.owner_email = Some(owner(&w));
    ship(&w, &older).await;
    w.settle().await;
    assert_eq!(
        w.order(&older).await.effects,
        ["stock", "capture", "email:confirmed", "email:shipped"]
    );
    // A new order is told.
    let newer = w.authorised_order(&[("JAR-3", 1)]).await;
    w.settle().await;
    let notices = emails_to(&w, &owner(&w)).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].subject.contains(&newer.id));

    // Confirmed while an address was set, but it is gone before the notice: nothing sent,
    // nothing recorded, nothing failed, and the shopper's emails still go out.
    let last = w.authorised_order(&[("JAR-3", 1)]).await;
    let records = w.records().await;
    let broken = w.state_with(Some(dead_mailer().await), None);
    assert_eq!(handle(&broken, records).await.len(), 1);
    assert!(w.order(&last).await.notify_owner);
    w.state.owner_email = None;
    w.settle().await;
    assert_eq!(
        w.order(&last).await.effects,
        ["stock", "capture", "email:confirmed"]
    );
    assert_eq!(emails_to(&w, &owner(&w)).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_owners_address_ses_refuses_is_recorded_and_the_shopper_is_still_emailed() {
    use common::refusing_ses::{Refusal, mailer_refusing};
    let mut w = World::new().await;
    w.state.owner_email = Some(owner(&w));
    w.product("JAR-4", 5).await;

    // For good (an unverified address in the SES sandbox): recorded as rejected, not retried,
    // and the order's other steps are all done.
    w.state.mailer = mailer_refusing(&owner(&w), Refusal::ForGood).await;
    let order = w.authorised_order(&[("JAR-4", 1)]).await;
    w.settle().await;
    let stored = w.order(&order).await;
    assert_eq!(
        stored.effects,
        [
            "stock",
            "capture",
            "email:confirmed",
            "email:new-order:rejected"
        ]
    );
    assert_eq!(w.emails_of(&order).await.len(), 1, "the shopper's email");
    assert!(emails_to(&w, &owner(&w)).await.is_empty());
    ship(&w, &order).await;
    w.settle().await;
    assert_eq!(
        w.emails_of(&order).await.len(),
        2,
        "and the shipping notice"
    );

    // For now (throttled): the record fails after the shopper's email is sent and recorded; the
    // retry sends the notice alone.
    w.state.mailer = mailer_refusing(&owner(&w), Refusal::ForNow).await;
    let order = w.authorised_order(&[("JAR-4", 2)]).await;
    let records = w.records().await;
    let mut failed = handle(&w.state, records.clone()).await;
    // The handler's own writes come back as records too: deliver until the notice fails them.
    while failed.is_empty() {
        let more = w.records().await;
        assert!(!more.is_empty(), "the notice never failed");
        failed = handle(&w.state, more).await;
    }
    assert_eq!(
        w.order(&order).await.effects,
        ["stock", "capture", "email:confirmed"]
    );
    assert_eq!(w.emails_of(&order).await.len(), 1);
    w.state = w.state_with(
        Some(mailer_refusing("nobody@example.com", Refusal::ForGood).await),
        None,
    );
    w.settle().await;
    assert_eq!(
        w.order(&order).await.effects,
        ["stock", "capture", "email:confirmed", "email:new-order"]
    );
    assert_eq!(w.emails_of(&order).await.len(), 1, "not sent twice");
    assert_eq!(emails_to(&w, &owner(&w)).await.len(), 1);
}
