//! Orders and their state machine.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::address::Address;
use super::cart::PricedLine;
use super::effect::Effect;
use super::money::Money;

/// Where an order stands.
///
/// ```text
/// authorized ─confirm─▶ confirmed ─ship─▶ shipped
///      │                    │                │
///      └─cancel─▶ cancelled └──refund──▶ refunded ◀─┘
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// The card is authorised; stock not yet taken.
    Authorized,
    /// Stock taken and payment captured.
    Confirmed,
    /// On its way.
    Shipped,
    /// Stock ran out (or the owner cancelled): authorisation released, no charge.
    Cancelled,
    /// Money given back.
    Refunded,
}

impl OrderStatus {
    /// Every status, for listing and for exhaustive tests.
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Authorized,
        OrderStatus::Confirmed,
        OrderStatus::Shipped,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    /// The lower-case name used in keys and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Authorized => "authorized",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    /// Parses the lower-case name.
    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The status after `event`, or an error naming the illegal transition.
    pub fn apply(self, event: OrderEvent) -> Result<OrderStatus, TransitionError> {
        use OrderEvent as E;
        use OrderStatus as S;
        match (self, event) {
            (S::Authorized, E::Confirm) => Ok(S::Confirmed),
            (S::Authorized, E::Cancel) => Ok(S::Cancelled),
            (S::Confirmed, E::Ship) => Ok(S::Shipped),
            (S::Confirmed | S::Shipped, E::Refund) => Ok(S::Refunded),
            (from, event) => Err(TransitionError { from, event }),
        }
    }

    /// True once nothing more can happen to the order.
    pub fn is_final(self) -> bool {
        OrderEvent::ALL.iter().all(|e| self.apply(*e).is_err())
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderEvent {
    /// Stock taken, payment captured.
    Confirm,
    /// Authorisation released.
    Cancel,
    /// Handed to the carrier.
    Ship,
    /// Money returned.
    Refund,
}

impl OrderEvent {
    /// Every event, for exhaustive tests.
    pub const ALL: [OrderEvent; 4] = [
        OrderEvent::Confirm,
        OrderEvent::Cancel,
        OrderEvent::Ship,
        OrderEvent::Refund,
    ];
}

/// An event that is not allowed in the order's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {event:?} an order that is {from}")]
pub struct TransitionError {
    /// The status the order was in.
    pub from: OrderStatus,
    /// The refused event.
    pub event: OrderEvent,
}

/// A placed order: a snapshot of the priced checkout plus where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// ULID, same as the checkout's id.
    pub id: String,
    /// Cognito `sub` of the shopper.
    pub customer: String,
    /// Where emails go.
    pub email: String,
    /// The lines as priced at checkout.
    pub lines: Vec<PricedLine>,
    /// Sum of lines.
    pub subtotal: Money,
    /// Shipping charge.
    pub shipping: Money,
    /// Amount authorised and, once confirmed, captured.
    pub total: Money,
    /// Where to ship.
    pub address: Address,
    /// Stripe PaymentIntent id.
    pub payment_intent: String,
    /// Current status.
    pub status: OrderStatus,
    /// RFC 3339 creation time (sortable).
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// Carrier tracking reference, once shipped.
    #[serde(default)]
    pub tracking: Option<String>,
    /// Why it was cancelled, if it was.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// Whether the refund puts the units back in stock (order-events' `restock` step, effect
    /// [`Effect::Restock`]). Chosen by the owner when refunding (by default: yes for an order
    /// that had not shipped) and written with the `refunded` status; `false` before a refund
    /// and for orders stored before the choice existed.
    #[serde(default)]
    pub restock: bool,
    /// Whether the owner is told of this order once its payment is captured (order-events'
    /// new-order notice, effect `email:new-order`): set when order-events confirms the order,
    /// if an owner's address was configured then. Deciding at confirmation means configuring an
    /// address later never sends notices for older orders; `false` for orders stored before.
    #[serde(default)]
    pub notify_owner: bool,
    /// Side effects already done (e.g. `stock`, `capture`, `email:confirmed`),
    /// so a redelivered stream record repeats none of them.
    #[serde(default)]
    pub effects: Vec<Effect>,
    /// Optimistic-lock version, bumped on every update.
    #[serde(default)]
    pub version: u64,
}

impl Order {
    /// True if `effect` was already recorded.
    pub fn has_effect(&self, effect: Effect) -> bool {
        self.effects.contains(&effect)
    }

    /// Records `effect` unless it already is; true when it was added.
    pub fn add_effect(&mut self, effect: Effect) -> bool {
        let new = !self.has_effect(effect);
        if new {
            self.effects.push(effect);
        }
        new
    }

    /// True once the payment was captured: only such an order may be shipped or refunded.
    pub fn is_captured(&self) -> bool {
        self.has_effect(Effect::Capture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderEvent as E;
    use OrderStatus as S;

    #[test]
    fn legal_transitions() {
        assert_eq!(S::Authorized.apply(E::Confirm), Ok(S::Confirmed));
        assert_eq!(S::Authorized.apply(E::Cancel), Ok(S::Cancelled));
        assert_eq!(S::Confirmed.apply(E::Ship), Ok(S::Shipped));
        assert_eq!(S::Confirmed.apply(E::Refund), Ok(S::Refunded));
        assert_eq!(S::Shipped.apply(E::Refund), Ok(S::Refunded));
    }

    #[test]
    fn every_other_transition_is_illegal() {
        let legal = [
            (S::Authorized, E::Confirm),
            (S::Authorized, E::Cancel),
            (S::Confirmed, E::Ship),
            (S::Confirmed, E::Refund),
            (S::Shipped, E::Refund),
        ];
        let mut illegal = 0;
        for from in S::ALL {
            for event in E::ALL {
                if legal.contains(&(from, event)) {
                    continue;
                }
                illegal += 1;
                let err = from.apply(event).unwrap_err();
                assert_eq!(err, TransitionError { from, event });
                assert!(err.to_string().contains(from.as_str()));
            }
        }
        assert_eq!(illegal, 15);
    }

    #[test]
    fn final_states() {
        assert!(S::Cancelled.is_final());
        assert!(S::Refunded.is_final());
        assert!(!S::Shipped.is_final());
        assert!(!S::Authorized.is_final());
    }

    #[test]
    fn restock_defaults_to_false_for_orders_stored_without_it() {
        let mut order = crate::fixtures::order(
            "01ORDER",
            "sub",
            "a@example.com",
            vec![crate::fixtures::line("A-1", 100, 1)],
            "pi_1",
        );
        order.restock = true;
        let mut json = serde_json::to_value(&order).unwrap();
        assert_eq!(json["restock"], true);
        json.as_object_mut().unwrap().remove("restock");
        let read: Order = serde_json::from_value(json).unwrap();
        assert!(
            !read.restock,
            "an order stored before the field is not restocked"
        );
    }

    #[test]
    fn notify_owner_defaults_to_false_for_orders_stored_without_it() {
        let mut order = crate::fixtures::order(
            "01ORDER",
            "sub",
            "a@example.com",
            vec![crate::fixtures::line("A-1", 100, 1)],
            "pi_1",
        );
        assert!(!order.notify_owner, "an order is placed without it");
        order.notify_owner = true;
        let mut json = serde_json::to_value(&order).unwrap();
        assert_eq!(json["notifyOwner"], true);
        json.as_object_mut().unwrap().remove("notifyOwner");
        let read: Order = serde_json::from_value(json).unwrap();
        assert!(
            !read.notify_owner,
            "an order stored before the field sends the owner no notice"
        );
    }

    #[test]
    fn status_names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(S::parse("paid"), None);
    }
}
