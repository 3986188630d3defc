//! The side effects an order records once done (`Order::effects`).
//!
//! order-events records them as it takes stock, captures or cancels the payment, puts a refunded
//! order's stock back and sends emails; the back office reads them (ship only what is captured;
//! show what failed). They are stored in the table and shown by the admin page as strings
//! (`stock`, `capture:failed`, `email:confirmed:rejected`, …): [`Effect::as_str`] is the one
//! place those strings are written, and serde goes through it both ways.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which email an order event sends. Every kind goes to the shopper, except
/// [`EmailKind::NewOrder`], which goes to the owner ([`EmailKind::to_owner`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// The order is confirmed and paid.
    Confirmed,
    /// Stock ran out (or the owner cancelled): an apology, no charge.
    Cancelled,
    /// Handed to the carrier.
    Shipped,
    /// Money given back.
    Refunded,
    /// To the owner, not the shopper: a paid order to pack (sent once the payment is captured,
    /// to the address configured when the order was confirmed: `Order::notify_owner`).
    NewOrder,
}

impl EmailKind {
    /// Every kind, for exhaustive tests.
    pub const ALL: [EmailKind; 5] = [
        EmailKind::Confirmed,
        EmailKind::Cancelled,
        EmailKind::Shipped,
        EmailKind::Refunded,
        EmailKind::NewOrder,
    ];

    /// Short lower-case name (`confirmed`, …), used in effect names like `email:confirmed`.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Confirmed => "confirmed",
            EmailKind::Cancelled => "cancelled",
            EmailKind::Shipped => "shipped",
            EmailKind::Refunded => "refunded",
            EmailKind::NewOrder => "new-order",
        }
    }

    /// True for the email to the owner (the shop's notice address), not to the order's shopper.
    pub fn to_owner(self) -> bool {
        matches!(self, EmailKind::NewOrder)
    }

    /// The order effect recorded once this email is sent (`email:<kind>`).
    pub fn effect(self) -> Effect {
        Effect::Email(self)
    }
}

/// A side effect done for an order (or refused for good), recorded so it is never repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Effect {
    /// `stock`: the stock of every line was taken.
    Stock,
    /// `capture`: the payment was captured (the shopper was charged).
    Capture,
    /// `capture:failed`: Stripe refused the capture for good; the order needs the owner.
    CaptureFailed,
    /// `cancel`: the authorisation was released (no charge).
    Cancel,
    /// `cancel:failed`: Stripe refused to release the authorisation (it lapses on its own).
    CancelFailed,
    /// `refund`: the payment was refunded.
    Refund,
    /// `restock`: a refunded order's units were put back in stock (the owner chose to, see
    /// `Order::restock`), in the same transaction that recorded this.
    Restock,
    /// `restock:failed`: the units could not go back (a product of the order no longer
    /// exists); the owner sets the stock by hand.
    RestockFailed,
    /// `email:<kind>`: the email was sent.
    Email(EmailKind),
    /// `email:<kind>:rejected`: SES refused the recipient for good (the shopper's address, or
    /// for [`EmailKind::NewOrder`] the owner's); not retried.
    EmailRejected(EmailKind),
}

impl Effect {
    /// Every effect, for parsing and exhaustive tests.
    pub const ALL: [Effect; 18] = [
        Effect::Stock,
        Effect::Capture,
        Effect::CaptureFailed,
        Effect::Cancel,
        Effect::CancelFailed,
        Effect::Refund,
        Effect::Restock,
        Effect::RestockFailed,
        Effect::Email(EmailKind::Confirmed),
        Effect::Email(EmailKind::Cancelled),
        Effect::Email(EmailKind::Shipped),
        Effect::Email(EmailKind::Refunded),
        Effect::Email(EmailKind::NewOrder),
        Effect::EmailRejected(EmailKind::Confirmed),
        Effect::EmailRejected(EmailKind::Cancelled),
        Effect::EmailRejected(EmailKind::Shipped),
        Effect::EmailRejected(EmailKind::Refunded),
        Effect::EmailRejected(EmailKind::NewOrder),
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        use EmailKind as K;
        match self {
            Effect::Stock => "stock",
            Effect::Capture => "capture",
            Effect::CaptureFailed => "capture:failed",
            Effect::Cancel => "cancel",
            Effect::CancelFailed => "cancel:failed",
            Effect::Refund => "refund",
            Effect::Restock => "restock",
            Effect::RestockFailed => "restock:failed",
            Effect::Email(K::Confirmed) => "email:confirmed",
            Effect::Email(K::Cancelled) => "email:cancelled",
            Effect::Email(K::Shipped) => "email:shipped",
            Effect::Email(K::Refunded) => "email:refunded",
            Effect::Email(K::NewOrder) => "email:new-order",
            Effect::EmailRejected(K::Confirmed) => "email:confirmed:rejected",
            Effect::EmailRejected(K::Cancelled) => "email:cancelled:rejected",
            Effect::EmailRejected(K::Shipped) => "email:shipped:rejected",
            Effect::EmailRejected(K::Refunded) => "email:refunded:rejected",
            Effect::EmailRejected(K::NewOrder) => "email:new-order:rejected",
        }
    }

    /// The effect with stored name `s`.
    pub fn parse(s: &str) -> Option<Effect> {
        Effect::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// True for a refusal the owner should look at: a capture Stripe refused, stock that could
    /// not go back, or an email SES rejected (a cancel Stripe refused needs no one: the hold
    /// lapses).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Effect::CaptureFailed | Effect::RestockFailed | Effect::EmailRejected(_)
        )
    }
}

impl From<Effect> for &'static str {
    fn from(e: Effect) -> Self {
        e.as_str()
    }
}

impl TryFrom<String> for Effect {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Effect::parse(&s).ok_or_else(|| format!("unknown order effect {s:?}"))
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets tests compare recorded effects with the stored strings (`effects == ["stock"]`).
impl PartialEq<&str> for Effect {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The strings the table holds today, written out: a rename here would orphan stored orders.
    const STORED: [&str; 18] = [
        "stock",
        "capture",
        "capture:failed",
        "cancel",
        "cancel:failed",
        "refund",
        "restock",
        "restock:failed",
        "email:confirmed",
        "email:cancelled",
        "email:shipped",
        "email:refunded",
        "email:new-order",
        "email:confirmed:rejected",
        "email:cancelled:rejected",
        "email:shipped:rejected",
        "email:refunded:rejected",
        "email:new-order:rejected",
    ];

    #[test]
    fn every_effect_round_trips_through_its_stored_string() {
        for (effect, stored) in Effect::ALL.into_iter().zip(STORED) {
            let json = serde_json::to_string(&effect).unwrap();
            assert_eq!(json, format!("\"{stored}\""));
            assert_eq!(serde_json::from_str::<Effect>(&json).unwrap(), effect);
            assert_eq!(Effect::parse(stored), Some(effect));
        }
        let names: std::collections::HashSet<_> = Effect::ALL.map(Effect::as_str).into();
        assert_eq!(names.len(), Effect::ALL.len(), "names are distinct");
    }

    #[test]
    fn email_effects_are_named_after_their_kind() {
        for kind in EmailKind::ALL {
            assert_eq!(kind.effect().as_str(), format!("email:{}", kind.as_str()));
            assert_eq!(
                Effect::EmailRejected(kind).as_str(),
                format!("email:{}:rejected", kind.as_str())
            );
        }
    }

    #[test]
    fn only_the_new_order_notice_goes_to_the_owner() {
        let to_owner: Vec<_> = EmailKind::ALL
            .into_iter()
            .filter(|k| k.to_owner())
            .collect();
        assert_eq!(to_owner, [EmailKind::NewOrder]);
    }

    #[test]
    fn unknown_strings_are_refused() {
        assert!(serde_json::from_str::<Effect>("\"email:lost\"").is_err());
        assert!(serde_json::from_str::<Effect>("\"Stock\"").is_err());
        assert_eq!(Effect::parse("capture:rejected"), None);
    }

    #[test]
    fn failures_are_refused_captures_and_rejected_emails() {
        assert!(Effect::CaptureFailed.is_failure());
        assert!(Effect::EmailRejected(EmailKind::Confirmed).is_failure());
        assert!(
            Effect::EmailRejected(EmailKind::NewOrder).is_failure(),
            "the owner should learn that their notices do not arrive"
        );
        assert!(!Effect::Capture.is_failure());
        assert!(!Effect::Stock.is_failure());
        assert!(!Effect::Restock.is_failure());
        assert!(
            Effect::RestockFailed.is_failure(),
            "the stock needs the owner"
        );
        assert!(!Effect::Email(EmailKind::Confirmed).is_failure());
        assert!(
            !Effect::CancelFailed.is_failure(),
            "a lapsing hold needs no one"
        );
    }
}
