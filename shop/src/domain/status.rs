//! What the shopper reads about an order: a heading and a message that
//! follow its status. Written once here, served with the order
//! (`GET /api/orders/{id}`), so the order page never says "authorised" next
//! to "cancelled".

use serde::Serialize;

use super::order::{Order, OrderStatus};

/// The heading and message of an order's status page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// The page's heading.
    pub heading: String,
    /// One or two sentences under it.
    pub message: String,
    /// True while the status can still change by itself (the page polls).
    pub pending: bool,
}

/// The reason shown when a cancelled order carries none.
const NO_REASON: &str = "We could not reserve your items.";

/// The status page's words for `order`.
pub fn status_view(order: &Order) -> StatusView {
    let total = order.total;
    let (heading, message) = match order.status {
        OrderStatus::Authorized => (
            "Payment held, confirming stock".to_owned(),
            format!(
                "Your card has been authorised for {total}, not charged yet. We are confirming \
                 your items are in stock; this page updates by itself."
            ),
        ),
        OrderStatus::Confirmed => (
            "Order confirmed".to_owned(),
            format!(
                "We have reserved your items and charged {total} to your card. We will email \
                 you when your parcel is on its way."
            ),
        ),
        OrderStatus::Cancelled => {
            let reason = order.cancel_reason.as_deref().unwrap_or(NO_REASON).trim();
            let reason = capitalised(reason);
            (
                "Order cancelled: you were not charged".to_owned(),
                format!(
                    "{reason} The hold of {total} on your card was released; you were not charged."
                ),
            )
        }
        OrderStatus::Shipped => (
            "Your order is on its way".to_owned(),
            match order.tracking.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(t) => format!("Shipped. Tracking number: {t}."),
                None => "Shipped. The carrier's tracking number will follow by email.".to_owned(),
            },
        ),
        OrderStatus::Refunded => (
            "Order refunded".to_owned(),
            format!(
                "We have refunded {total} to your card. It can take a few days to appear on \
                 your statement."
            ),
        ),
    };
    StatusView {
        heading,
        message,
        pending: order.status == OrderStatus::Authorized,
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Address, Currency, Money};

    fn order(status: OrderStatus) -> Order {
        Order {
            id: "01TEST".into(),
            customer: "c".into(),
            email: "c@example.com".into(),
            lines: vec![],
            subtotal: Money::new(1500, Currency::Eur),
            shipping: Money::new(500, Currency::Eur),
            total: Money::new(2000, Currency::Eur),
            address: Address {
                name: "A".into(),
                line1: "1".into(),
                line2: String::new(),
                city: "P".into(),
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
            effects: vec![],
            version: 1,
        }
    }

    #[test]
    fn authorized_says_held_and_keeps_polling() {
        let v = status_view(&order(OrderStatus::Authorized));
        assert_eq!(v.heading, "Payment held, confirming stock");
        assert!(v.message.contains("€20.00") && v.message.contains("not charged"));
        assert!(v.pending);
    }

    #[test]
    fn cancelled_gives_the_reason_and_not_charged() {
        let mut o = order(OrderStatus::Cancelled);
        o.cancel_reason = Some("bowl sold out before we could reserve it for you.".into());
        let v = status_view(&o);
        assert!(v.heading.contains("not charged"), "{}", v.heading);
        assert!(v.message.starts_with("Bowl sold out"), "{}", v.message);
        assert!(v.message.contains("you were not charged"));
        assert!(!v.message.contains("authorised for"));
        assert!(!v.pending);
        o.cancel_reason = None;
        assert!(status_view(&o).message.starts_with(NO_REASON));
    }

    #[test]
    fn shipped_shows_tracking_confirmed_and_refunded_the_amount() {
        let mut o = order(OrderStatus::Shipped);
        o.tracking = Some("TRK-42".into());
        assert!(status_view(&o).message.contains("TRK-42"));
        o.tracking = None;
        assert!(status_view(&o).message.contains("will follow"));
        let c = status_view(&order(OrderStatus::Confirmed));
        assert_eq!(c.heading, "Order confirmed");
        assert!(c.message.contains("charged €20.00"));
        let r = status_view(&order(OrderStatus::Refunded));
        assert!(r.message.contains("refunded €20.00"), "{}", r.message);
        // Every status has its own heading.
        let headings: std::collections::HashSet<_> = OrderStatus::ALL
            .iter()
            .map(|s| status_view(&order(*s)).heading)
            .collect();
        assert_eq!(headings.len(), OrderStatus::ALL.len());
    }
}
