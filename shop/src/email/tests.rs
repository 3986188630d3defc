use super::*;
use crate::domain::{Address, Currency, Money, OrderStatus, PricedLine, Sku};

fn eur(amount: i64) -> Money {
    Money::new(amount, Currency::Eur)
}

fn letterhead() -> Letterhead {
    Letterhead {
        shop_name: "Tea & Things".into(),
        order_page: "https://shop.example/checkout/done/".into(),
        back_office_orders: "https://shop.example/admin/orders/".into(),
    }
}

fn order() -> Order {
    Order {
        id: "01JD5ZQ7X3K9M2N4P6R8T0V2W4".into(),
        customer: "sub-1".into(),
        email: "ada@example.com".into(),
        lines: vec![
            PricedLine {
                sku: Sku::parse("MUG-001").expect("sku"),
                name: "Tom & Jerry's <script>alert(1)</script> mug".into(),
                unit_price: eur(1250),
                quantity: 2,
                line_total: eur(2500),
            },
            PricedLine {
                sku: Sku::parse("TEA-002").expect("sku"),
                name: "Green tea".into(),
                unit_price: eur(499),
                quantity: 1,
                line_total: eur(499),
            },
        ],
        subtotal: eur(2999),
        shipping: eur(500),
        total: eur(3499),
        address: Address {
            name: "Ada <b>Lovelace</b>".into(),
            line1: "12 St James's Square".into(),
            line2: "Flat 3".into(),
            city: "London".into(),
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
        },
        payment_intent: "pi_1".into(),
        status: OrderStatus::Confirmed,
        created_at: "2026-11-23T10:00:00Z".into(),
        updated_at: "2026-11-23T10:00:00Z".into(),
        tracking: None,
        cancel_reason: None,
        restock: false,
        notify_owner: false,
        effects: vec![],
        version: 1,
    }
}

#[test]
fn confirmation_lists_lines_totals_and_address() {
    let e = confirmation(&order(), &letterhead()).expect("renders");
    assert_eq!(
        e.subject,
        "Your Tea & Things order 01JD5ZQ7X3K9M2N4P6R8T0V2W4 is confirmed"
    );
    for part in [&e.html, &e.text] {
        for needle in [
            "€12.50",
            "€25.00",
            "€4.99",
            "€29.99",
            "€5.00",
            "€34.99",
            "MUG-001",
            "TEA-002",
            "Green tea",
            "London",
            "SW1Y 4JH",
            "Flat 3",
            "United Kingdom",
            "01JD5ZQ7X3K9M2N4P6R8T0V2W4",
        ] {
            assert!(part.contains(needle), "{needle:?} missing from\n{part}");
        }
    }
    assert!(
        e.text
            .contains("2 × Tom & Jerry's <script>alert(1)</script> mug")
    );
    assert!(e.html.starts_with("<!DOCTYPE html>"));
}

#[test]
fn html_escapes_names_and_text_keeps_them() {
    for kind in EmailKind::ALL {
        let mut o = order();
        o.cancel_reason = Some("Sold out: <i>Green tea</i>".into());
        let e = render(kind, &o, &letterhead()).expect("renders");
        assert!(!e.html.contains("<script>"), "{kind:?} html not escaped");
        assert!(!e.html.contains("<b>Lovelace"), "{kind:?} html not escaped");
        assert!(
            e.html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{kind:?}: {}",
            e.html
        );
        assert!(e.html.contains("Tom &#38; Jerry&#39;s"));
        assert!(
            e.text.contains("Ada <b>Lovelace</b>"),
            "{kind:?} text escaped"
        );
        assert!(!e.text.contains("&lt;") && !e.text.contains("&amp;") && !e.text.contains("&#"));
        assert!(!e.subject.contains('\n'));
    }
}

#[test]
fn cancellation_apologises_and_says_no_charge() {
    let mut o = order();
    o.status = OrderStatus::Cancelled;
    o.cancel_reason = Some("Green tea sold out before we could reserve it.".into());
    let e = cancellation(&o, &letterhead()).expect("renders");
    assert!(e.subject.contains("could not be completed"));
    for part in [&e.html, &e.text] {
        assert!(part.contains("Sorry"));
        assert!(part.contains("not been charged"));
        assert!(part.contains("Green tea sold out before we could reserve it."));
    }
    o.cancel_reason = None;
    assert!(
        cancellation(&o, &letterhead())
            .expect("renders")
            .text
            .contains("we could not reserve your items")
    );
}

#[test]
fn shipped_shows_tracking_only_when_known() {
    let mut o = order();
    o.status = OrderStatus::Shipped;
    let without = shipped(&o, &letterhead()).expect("renders");
    assert!(without.subject.contains("has shipped"));
    assert!(!without.text.contains("Tracking"));
    assert!(!without.html.contains("Tracking"));
    o.tracking = Some("JJD000390007 & <co>".into());
    let with = shipped(&o, &letterhead()).expect("renders");
    assert!(
        with.text
            .contains("Tracking reference: JJD000390007 & <co>")
    );
    assert!(with.html.contains("JJD000390007 &#38; &#60;co&#62;"));
    // A reference with no space in it (carriers' can be long) wraps on a phone instead of
    // pushing the email wider than the screen.
    assert!(
        with.html
            .contains(r#"<strong style="word-break:break-word;overflow-wrap:anywhere;">JJD"#)
    );
}

#[test]
fn refunded_names_the_amount() {
    let mut o = order();
    o.status = OrderStatus::Refunded;
    let e = refunded(&o, &letterhead()).expect("renders");
    assert!(e.subject.contains("refunded"));
    assert!(e.text.contains("refunded €34.99"));
    assert!(e.html.contains("refunded €34.99"));
}

#[test]
fn kinds_name_their_effects() {
    let effects: Vec<_> = EmailKind::ALL.iter().map(|k| k.effect()).collect();
    assert_eq!(
        effects,
        [
            "email:confirmed",
            "email:cancelled",
            "email:shipped",
            "email:refunded",
            "email:new-order"
        ]
    );
}

/// Emails word things as the site does: free shipping is "Free" (the checkout and the order
/// page say so), and the address names its country.
#[test]
fn free_shipping_and_the_country_read_as_on_the_site() {
    let mut o = order();
    o.shipping = eur(0);
    o.total = eur(2999);
    o.address.country = "DE".into();
    let e = confirmation(&o, &letterhead()).expect("renders");
    assert!(e.text.contains("Shipping: Free"), "{}", e.text);
    assert!(e.html.contains(">Free</td>"), "{}", e.html);
    for part in [&e.html, &e.text] {
        assert!(!part.contains("€0.00"), "{part}");
        assert!(part.contains("Germany"), "{part}");
        assert!(
            !part.contains("\nDE\n") && !part.contains("<br>DE</p>"),
            "{part}"
        );
    }
    // The subjects of every kind carry the order's full number.
    for kind in EmailKind::ALL {
        assert!(
            render(kind, &o, &letterhead())
                .expect("renders")
                .subject
                .contains(&o.id)
        );
    }
}

/// Every email to the shopper names the shop as its site does and links to the order's page
/// there.
#[test]
fn every_email_names_the_shop_and_links_to_the_order() {
    let o = order();
    let link = "https://shop.example/checkout/done/?order=01JD5ZQ7X3K9M2N4P6R8T0V2W4";
    for kind in EmailKind::ALL.into_iter().filter(|k| !k.to_owner()) {
        let e = render(kind, &o, &letterhead()).expect("renders");
        assert!(
            e.subject.starts_with("Your Tea & Things order"),
            "{}",
            e.subject
        );
        assert!(
            e.text.contains(&format!("Your order: {link}")),
            "{kind:?}: {}",
            e.text
        );
        assert!(
            e.text.contains("Tea & Things · order"),
            "{kind:?}: {}",
            e.text
        );
        assert!(
            e.html.contains(&format!("<a href=\"{link}\"")),
            "{kind:?}: {}",
            e.html
        );
        assert!(e.html.contains("Tea &#38; Things"), "{kind:?}: {}", e.html);
        assert!(!e.html.contains("Edge Shop") && !e.text.contains("Edge Shop"));
    }
}

/// The owner's notice: what to pack (name, SKU, quantity, unit price, line total), the money,
/// who paid and where it goes, and the order in the back office, not the shopper's page.
#[test]
fn the_owners_notice_says_what_to_pack_and_links_to_the_back_office() {
    let o = order();
    let e = new_order(&o, &letterhead()).expect("renders");
    assert_eq!(
        e.subject,
        "New Tea & Things order 01JD5ZQ7X3K9M2N4P6R8T0V2W4 — €34.99"
    );
    for part in [&e.html, &e.text] {
        for needle in [
            "New order to pack",
            "ada@example.com",
            "MUG-001",
            "TEA-002",
            "Green tea",
            "€12.50",
            "€25.00",
            "€4.99",
            "€29.99",
            "€5.00",
            "€34.99",
            "12 St James",
            "Flat 3",
            "SW1Y 4JH London",
            "United Kingdom",
            "01JD5ZQ7X3K9M2N4P6R8T0V2W4",
        ] {
            assert!(part.contains(needle), "{needle:?} missing from\n{part}");
        }
        assert!(!part.contains("/checkout/done/"), "{part}");
        assert!(
            !part.contains("Hello"),
            "not written to the shopper: {part}"
        );
    }
    let link = "https://shop.example/admin/orders/?order=01JD5ZQ7X3K9M2N4P6R8T0V2W4";
    assert!(
        e.text.contains(&format!("In the back office: {link}")),
        "{}",
        e.text
    );
    assert!(
        e.text.contains(
            "- 2 × Tom & Jerry's <script>alert(1)</script> mug (MUG-001) at €12.50: €25.00"
        )
    );
    assert!(
        e.html.contains(&format!(
            "<a href=\"{link}\" style=\"color:#1d4ed8;\">Open the order in the back office</a>"
        )),
        "{}",
        e.html
    );
    assert!(!e.html.contains("See your order"), "{}", e.html);
    assert!(e.html.contains("Tea &#38; Things"), "{}", e.html);
    assert!(e.text.contains("Tea & Things · order"), "{}", e.text);
}

/// The notice escapes what the shopper typed, including the address it shows as a mail link.
#[test]
fn the_owners_notice_escapes_the_shoppers_email_and_reads_free_shipping() {
    let mut o = order();
    o.email = "o'brien+\"x\"@example.com".into();
    o.shipping = eur(0);
    o.total = eur(2999);
    let e = new_order(&o, &letterhead()).expect("renders");
    assert!(e.subject.ends_with("— €29.99"), "{}", e.subject);
    assert!(!e.html.contains("o'brien"), "{}", e.html);
    assert!(
        e.html
            .contains("href=\"mailto:o&#39;brien+&#34;x&#34;@example.com\""),
        "{}",
        e.html
    );
    assert!(e.text.contains("Shopper: o'brien+\"x\"@example.com"));
    assert!(e.text.contains("Shipping: Free"), "{}", e.text);
    assert!(e.html.contains(">Free</td>"), "{}", e.html);
}
