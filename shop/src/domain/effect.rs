//! The names of the side effects an order records once done (`Order::effects`).
//!
//! order-events records them as it takes stock, captures or cancels the payment and sends
//! emails; the back office reads them (ship only what is captured; show what failed). They are
//! stored strings, so they are defined here once and used by name.

/// The stock of every line was taken.
pub const STOCK: &str = "stock";
/// The payment was captured (the shopper was charged).
pub const CAPTURE: &str = "capture";
/// Stripe refused the capture for good: the order needs the owner.
pub const CAPTURE_FAILED: &str = "capture:failed";
/// The authorisation was released (no charge).
pub const CANCEL: &str = "cancel";
/// Stripe refused to release the authorisation (it lapses on its own).
pub const CANCEL_FAILED: &str = "cancel:failed";
/// The payment was refunded.
pub const REFUND: &str = "refund";
/// Suffix of an email effect SES refused for good (`email:<kind>:rejected`).
pub const REJECTED_SUFFIX: &str = ":rejected";

/// The effect recorded when an effect was refused for good.
pub fn rejected(effect: &str) -> String {
    format!("{effect}{REJECTED_SUFFIX}")
}

/// True for an effect that records a refusal the owner should look at: a capture Stripe
/// refused, or an email SES rejected.
pub fn is_failure(effect: &str) -> bool {
    effect == CAPTURE_FAILED || effect.ends_with(REJECTED_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_refused_captures_and_rejected_emails() {
        assert!(is_failure(CAPTURE_FAILED));
        assert!(is_failure(&rejected("email:confirmed")));
        assert!(!is_failure(CAPTURE));
        assert!(!is_failure(STOCK));
        assert!(!is_failure("email:confirmed"));
        assert!(!is_failure(CANCEL_FAILED), "a lapsing hold needs no one");
    }
}
