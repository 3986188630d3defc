//! The askama template structs behind [`super::render`].

use askama::Template;

use super::{EmailKind, Letterhead};
use crate::domain::Order;

/// The fallback apology when the order carries no reason.
const DEFAULT_REASON: &str = "we could not reserve your items.";

#[derive(Template)]
#[template(path = "email/confirmed.html")]
struct ConfirmedHtml<'a> {
    shop: &'a str,
    link: &'a str,
    subject: &'a str,
    o: &'a Order,
}

#[derive(Template)]
#[template(path = "email/confirmed.txt")]
struct ConfirmedText<'a> {
    shop: &'a str,
    link: &'a str,
    o: &'a Order,
}

#[derive(Template)]
#[template(path = "email/cancelled.html")]
struct CancelledHtml<'a> {
    shop: &'a str,
    link: &'a str,
    subject: &'a str,
    o: &'a Order,
    reason: &'a str,
}

#[derive(Template)]
#[template(path = "email/cancelled.txt")]
struct CancelledText<'a> {
    shop: &'a str,
    link: &'a str,
    o: &'a Order,
    reason: &'a str,
}

#[derive(Template)]
#[template(path = "email/shipped.html")]
struct ShippedHtml<'a> {
    shop: &'a str,
    link: &'a str,
    subject: &'a str,
    o: &'a Order,
}

#[derive(Template)]
#[template(path = "email/shipped.txt")]
struct ShippedText<'a> {
    shop: &'a str,
    link: &'a str,
    o: &'a Order,
}

#[derive(Template)]
#[template(path = "email/refunded.html")]
struct RefundedHtml<'a> {
    shop: &'a str,
    link: &'a str,
    subject: &'a str,
    o: &'a Order,
}

#[derive(Template)]
#[template(path = "email/refunded.txt")]
struct RefundedText<'a> {
    shop: &'a str,
    link: &'a str,
    o: &'a Order,
}

#[derive(Template)]
#[template(path = "email/new_order.html")]
struct NewOrderHtml<'a> {
    shop: &'a str,
    link: &'a str,
    subject: &'a str,
    o: &'a Order,
}

#[derive(Template)]
#[template(path = "email/new_order.txt")]
struct NewOrderText<'a> {
    shop: &'a str,
    link: &'a str,
    o: &'a Order,
}

/// Why the order was cancelled, as the apology states it.
fn cancel_reason(o: &Order) -> &str {
    o.cancel_reason.as_deref().unwrap_or(DEFAULT_REASON)
}

/// The subject names the order by its full number, as the site and the back office show it
/// (and the owner's search finds it).
fn subject(kind: EmailKind, shop: &str, order: &Order) -> String {
    let id = &order.id;
    match kind {
        EmailKind::Confirmed => format!("Your {shop} order {id} is confirmed"),
        EmailKind::Cancelled => format!("Your {shop} order {id} could not be completed"),
        EmailKind::Shipped => format!("Your {shop} order {id} has shipped"),
        EmailKind::Refunded => format!("Your {shop} order {id} has been refunded"),
        EmailKind::NewOrder => format!("New {shop} order {id} — {}", order.total),
    }
}

pub(super) fn render(
    kind: EmailKind,
    o: &Order,
    letterhead: &Letterhead,
) -> askama::Result<super::Email> {
    let shop = letterhead.shop_name.as_str();
    let subject = subject(kind, shop, o);
    let s = subject.as_str();
    // The shopper's emails link to their order page, the owner's to the back office.
    let link = &if kind.to_owner() {
        letterhead.back_office_link(&o.id)
    } else {
        letterhead.order_link(&o.id)
    };
    let (html, text) = match kind {
        EmailKind::Confirmed => (
            ConfirmedHtml {
                shop,
                link,
                subject: s,
                o,
            }
            .render()?,
            ConfirmedText { shop, link, o }.render()?,
        ),
        EmailKind::Cancelled => (
            CancelledHtml {
                shop,
                link,
                subject: s,
                o,
                reason: cancel_reason(o),
            }
            .render()?,
            CancelledText {
                shop,
                link,
                o,
                reason: cancel_reason(o),
            }
            .render()?,
        ),
        EmailKind::Shipped => (
            ShippedHtml {
                shop,
                link,
                subject: s,
                o,
            }
            .render()?,
            ShippedText { shop, link, o }.render()?,
        ),
        EmailKind::Refunded => (
            RefundedHtml {
                shop,
                link,
                subject: s,
                o,
            }
            .render()?,
            RefundedText { shop, link, o }.render()?,
        ),
        EmailKind::NewOrder => (
            NewOrderHtml {
                shop,
                link,
                subject: s,
                o,
            }
            .render()?,
            NewOrderText { shop, link, o }.render()?,
        ),
    };
    let reply_to = kind.to_owner().then(|| o.email.clone());
    Ok(super::Email {
        subject,
        html,
        text,
        reply_to,
    })
}
