use shop::{Address, Currency, Money, PricedLine};

use super::*;

fn order(status: OrderStatus, effects: &[Effect]) -> Order {
    let eur = |a| Money::new(a, Currency::Eur);
    Order {
        id: "01ORDER".into(),
        customer: "sub".into(),
        email: "a@example.com".into(),
        lines: vec![
            PricedLine {
                sku: Sku::parse("MUG-1").expect("sku"),
                name: "Blue mug".into(),
                unit_price: eur(100),
                quantity: 1,
                line_total: eur(100),
            },
            PricedLine {
                sku: Sku::parse("TEA-1").expect("sku"),
                name: "Green tea".into(),
                unit_price: eur(100),
                quantity: 1,
                line_total: eur(100),
            },
        ],
        subtotal: eur(200),
        shipping: eur(0),
        total: eur(200),
        address: Address {
            name: "A".into(),
            line1: "1".into(),
            line2: String::new(),
            city: "C".into(),
            postal_code: "1".into(),
            country: "FR".into(),
        },
        payment_intent: "pi_1".into(),
        status,
        created_at: String::new(),
        updated_at: String::new(),
        tracking: None,
        cancel_reason: None,
        restock: false,
        notify_owner: false,
        effects: effects.to_vec(),
        version: 1,
    }
}

use OrderStatus as S;

#[test]
fn authorised_orders_take_stock_first() {
    assert_eq!(next_step(&order(S::Authorized, &[])), Some(Step::TakeStock));
}

#[test]
fn confirmed_orders_capture_then_email_then_stop() {
    assert_eq!(
        next_step(&order(S::Confirmed, &[Effect::Stock])),
        Some(Step::Capture)
    );
    assert_eq!(
        next_step(&order(S::Confirmed, &[Effect::Stock, Effect::Capture])),
        Some(Step::Email(EmailKind::Confirmed))
    );
    assert_eq!(
        next_step(&order(
            S::Confirmed,
            &[
                Effect::Stock,
                Effect::Capture,
                Effect::Email(EmailKind::Confirmed)
            ]
        )),
        None
    );
    assert_eq!(
        next_step(&order(
            S::Confirmed,
            &[
                Effect::Stock,
                Effect::Capture,
                Effect::EmailRejected(EmailKind::Confirmed)
            ]
        )),
        None
    );
    // A capture Stripe refused for good sends no confirmation.
    assert_eq!(
        next_step(&order(
            S::Confirmed,
            &[Effect::Stock, Effect::CaptureFailed]
        )),
        None
    );
}

#[test]
fn cancelled_orders_release_then_apologise() {
    assert_eq!(
        next_step(&order(S::Cancelled, &[])),
        Some(Step::CancelPayment)
    );
    assert_eq!(
        next_step(&order(S::Cancelled, &[Effect::Cancel])),
        Some(Step::Email(EmailKind::Cancelled))
    );
    assert_eq!(
        next_step(&order(S::Cancelled, &[Effect::CancelFailed])),
        Some(Step::Email(EmailKind::Cancelled))
    );
    assert_eq!(
        next_step(&order(
            S::Cancelled,
            &[Effect::Cancel, Effect::Email(EmailKind::Cancelled)]
        )),
        None
    );
}

#[test]
fn shipped_and_refunded_send_their_email_once() {
    let confirmed = [
        Effect::Stock,
        Effect::Capture,
        Effect::Email(EmailKind::Confirmed),
    ];
    assert_eq!(
        next_step(&order(S::Shipped, &confirmed)),
        Some(Step::Email(EmailKind::Shipped))
    );
    assert_eq!(
        next_step(&order(
            S::Shipped,
            &[
                Effect::Stock,
                Effect::Capture,
                Effect::Email(EmailKind::Confirmed),
                Effect::Email(EmailKind::Shipped)
            ]
        )),
        None
    );
    // Shipped before the handler caught up: capture and confirm first.
    assert_eq!(
        next_step(&order(S::Shipped, &[Effect::Stock])),
        Some(Step::Capture)
    );
    assert_eq!(
        next_step(&order(S::Refunded, &confirmed)),
        Some(Step::Email(EmailKind::Refunded))
    );
    assert_eq!(
        next_step(&order(
            S::Refunded,
            &[
                Effect::Stock,
                Effect::Capture,
                Effect::Email(EmailKind::Refunded)
            ]
        )),
        None
    );
}

#[test]
fn a_refund_chosen_to_restock_emails_the_shopper_then_puts_the_stock_back() {
    let confirmed = [
        Effect::Stock,
        Effect::Capture,
        Effect::Email(EmailKind::Confirmed),
    ];
    let mut refunded = order(S::Refunded, &confirmed);
    refunded.restock = true;
    assert_eq!(next_step(&refunded), Some(Step::Email(EmailKind::Refunded)));
    refunded.add_effect(Effect::Email(EmailKind::Refunded));
    assert_eq!(next_step(&refunded), Some(Step::Restock));
    let mut failed = refunded.clone();
    refunded.add_effect(Effect::Restock);
    assert_eq!(next_step(&refunded), None);
    // A restock that could not be done is not tried again: the owner has it.
    failed.add_effect(Effect::RestockFailed);
    assert_eq!(next_step(&failed), None);
    // Whatever else is recorded, a restock chosen and not done is still to do.
    let mut emailed = order(
        S::Refunded,
        &[
            Effect::Stock,
            Effect::Capture,
            Effect::Email(EmailKind::Refunded),
        ],
    );
    emailed.restock = true;
    assert_eq!(next_step(&emailed), Some(Step::Restock));
    // Not chosen: never.
    let not_chosen = order(S::Refunded, &confirmed);
    assert!(!not_chosen.restock);
    assert_eq!(
        next_step(&not_chosen),
        Some(Step::Email(EmailKind::Refunded))
    );
    // Only a refund restocks: the flag on an order in any other status does nothing.
    for status in [S::Authorized, S::Confirmed, S::Shipped, S::Cancelled] {
        let mut o = order(status, &confirmed);
        o.restock = true;
        assert_ne!(next_step(&o), Some(Step::Restock), "{status}");
    }
}

/// The owner's notice: once per order owed one, after the capture and after the shopper's
/// emails (they never wait for it), whether the order is still confirmed or already shipped.
#[test]
fn an_order_owed_a_notice_tells_the_owner_once_after_the_shoppers_emails() {
    let owed = |status, effects: &[Effect]| {
        let mut o = order(status, effects);
        o.notify_owner = true;
        o
    };
    let notice = Some(Step::Email(EmailKind::NewOrder));
    let confirmed = [
        Effect::Stock,
        Effect::Capture,
        Effect::Email(EmailKind::Confirmed),
    ];
    // Capture, then the shopper's confirmation, then the notice.
    assert_eq!(
        next_step(&owed(S::Confirmed, &[Effect::Stock])),
        Some(Step::Capture)
    );
    assert_eq!(
        next_step(&owed(S::Confirmed, &[Effect::Stock, Effect::Capture])),
        Some(Step::Email(EmailKind::Confirmed))
    );
    assert_eq!(next_step(&owed(S::Confirmed, &confirmed)), notice);
    // Shipped before the handler caught up: still paid, still to pack (or packed): it is told.
    assert_eq!(
        next_step(&owed(S::Shipped, &confirmed)),
        Some(Step::Email(EmailKind::Shipped))
    );
    let mut shipped = owed(S::Shipped, &confirmed);
    shipped.add_effect(Effect::Email(EmailKind::Shipped));
    assert_eq!(next_step(&shipped), notice);
    // Sent or rejected: done, and nothing follows.
    for done in [
        Effect::Email(EmailKind::NewOrder),
        Effect::EmailRejected(EmailKind::NewOrder),
    ] {
        let mut o = owed(S::Confirmed, &confirmed);
        o.add_effect(done);
        assert_eq!(next_step(&o), None, "{done}");
        let mut o = shipped.clone();
        o.add_effect(done);
        assert_eq!(next_step(&o), None, "{done}");
    }
    // A rejected confirmation does not hold the notice back.
    assert_eq!(
        next_step(&owed(
            S::Confirmed,
            &[
                Effect::Stock,
                Effect::Capture,
                Effect::EmailRejected(EmailKind::Confirmed)
            ]
        )),
        notice
    );
    // Not paid, not to pack: no notice for a refused capture, an order not yet confirmed, a
    // cancelled one or a refunded one.
    assert_eq!(
        next_step(&owed(S::Confirmed, &[Effect::Stock, Effect::CaptureFailed])),
        None
    );
    for status in [S::Authorized, S::Cancelled, S::Refunded] {
        let mut o = owed(status, &confirmed);
        o.add_effect(Effect::Stock);
        o.add_effect(Effect::Cancel);
        o.add_effect(Effect::Email(EmailKind::Cancelled));
        o.add_effect(Effect::Email(EmailKind::Refunded));
        assert_eq!(next_step(&o), None, "{status}");
    }
    // An order confirmed while no address was configured is owed nothing.
    assert_eq!(next_step(&order(S::Confirmed, &confirmed)), None);
    assert!(!order(S::Confirmed, &confirmed).notify_owner);
}

#[test]
fn sold_out_reason_names_the_short_products() {
    let o = order(S::Authorized, &[]);
    let mug = Sku::parse("MUG-1").expect("sku");
    let tea = Sku::parse("TEA-1").expect("sku");
    assert_eq!(
        sold_out_reason(&o, std::slice::from_ref(&mug)),
        "Blue mug sold out before we could reserve it for you."
    );
    assert_eq!(
        sold_out_reason(&o, &[mug, tea]),
        "Blue mug, Green tea sold out before we could reserve them for you."
    );
    assert!(sold_out_reason(&o, &[]).starts_with("some items"));
}
