//! From an authorised PaymentIntent to an order: the one code path behind
//! both the shopper's confirm call and Stripe's webhook (ARCHITECTURE.md, path 4).
//!
//! Whichever arrives first writes the order with a conditional put; the
//! other finds it there and answers the same. The order is built only from
//! the checkout snapshot priced by the server, and only when Stripe says the
//! intent is authorised for exactly the checkout's total.

use shop::payments::{PaymentIntent, PaymentStatus, Payments};
use shop::{Checkout, CheckoutState, Order, OrderStatus, Store, StoreError};
use time::format_description::well_known::Rfc3339;

use crate::error::ApiError;

/// What a checkout's payment has come to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Authorised: the order (id = checkout id) exists.
    Authorized {
        /// The order's id.
        order_id: String,
    },
    /// The bank wants 3-D Secure: the page runs `confirmCardPayment`.
    RequiresAction {
        /// The PaymentIntent's client secret.
        client_secret: Option<String>,
    },
    /// Not decided yet (no intent yet, or the bank is still answering).
    Processing,
    /// Declined, authentication failed, or cancelled: no order.
    Failed {
        /// Why, for the shopper.
        message: String,
    },
}

/// What the shopper reads when the bank refused the card (a decline, or
/// no reason given). Stripe's own words go to the logs only: they are
/// written for developers ("The provided PaymentMethod has failed
/// authentication.").
pub const CARD_DECLINED: &str = "Your card was declined. Please try another card.";

/// What the shopper reads when 3-D Secure failed or was abandoned.
pub const AUTHENTICATION_FAILED: &str = "Your bank could not confirm this payment (3-D Secure). \
     Please try again or use another card.";

/// What the shopper reads when the card has expired.
pub const CARD_EXPIRED: &str = "Your card has expired. Please use another card.";

/// What the shopper reads when the card's security code was wrong.
pub const INCORRECT_CVC: &str = "The card's security code (CVC) is incorrect. \
     Please check it and try again.";

/// What the shopper reads when the intent was cancelled with no error of
/// its own: the reservation sweeper (or a release) cancelled it before it
/// was confirmed.
pub const PAYMENT_EXPIRED: &str = "This payment expired before it was confirmed. \
     Please check out again.";

/// The shopper's sentence for a failed payment, by Stripe's
/// `last_payment_error.code`. Every other refusal (`card_declined`,
/// `insufficient_funds`, `fraudulent`, ...) reads as a plain decline: the
/// shop does not tell a shopper why the bank refused.
pub fn failure_message(code: Option<&str>) -> &'static str {
    match code {
        Some("payment_intent_authentication_failure") => AUTHENTICATION_FAILED,
        Some("expired_card") => CARD_EXPIRED,
        Some("incorrect_cvc") => INCORRECT_CVC,
        _ => CARD_DECLINED,
    }
}

/// The sentence for an intent that will not be authorised: cancelled with
/// no error (expired) reads differently from a refusal.
pub fn failed_intent_message(status: &PaymentStatus, code: Option<&str>) -> &'static str {
    match (status, code) {
        (PaymentStatus::Canceled, None) => PAYMENT_EXPIRED,
        (_, code) => failure_message(code),
    }
}

/// Now, RFC 3339 (sortable).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// The order for an authorised checkout.
pub fn order_for(checkout: &Checkout, payment_intent: &str) -> Order {
    let now = now_rfc3339();
    Order {
        id: checkout.id.clone(),
        customer: checkout.customer.clone(),
        email: checkout.email.clone(),
        lines: checkout.priced.lines.clone(),
        subtotal: checkout.priced.subtotal,
        shipping: checkout.priced.shipping,
        total: checkout.priced.total,
        address: checkout.address.clone(),
        payment_intent: payment_intent.to_owned(),
        status: OrderStatus::Authorized,
        created_at: now.clone(),
        updated_at: now,
        tracking: None,
        cancel_reason: None,
        restock: false,
        notify_owner: false,
        effects: Vec::new(),
        version: 0,
    }
}

/// Asks Stripe for the checkout's PaymentIntent and acts on its status.
///
/// `pi_hint` is the intent id an event named, used when the checkout does
/// not record one yet (the webhook can arrive before the checkout API has
/// stored it); it must carry this checkout's id in its metadata.
pub async fn settle(
    store: &Store,
    payments: &Payments,
    checkout: &Checkout,
    pi_hint: Option<&str>,
) -> Result<Settled, ApiError> {
    if let Ok(order) = store.get_order(&checkout.customer, &checkout.id).await {
        return Ok(Settled::Authorized { order_id: order.id });
    }
    let Some(pi_id) = checkout.payment_intent.as_deref().or(pi_hint) else {
        return Ok(match checkout.payment_status {
            Some(CheckoutState::Failed) => Settled::Failed {
                message: failure_message(checkout.failure_code.as_deref()).into(),
            },
            _ => Settled::Processing,
        });
    };
    let pi = payments.retrieve(pi_id).await?;
    if pi.checkout_id.as_deref() != Some(checkout.id.as_str()) {
        return Err(ApiError::internal(format!(
            "payment intent {} does not belong to checkout {}",
            pi.id, checkout.id
        )));
    }
    act_on(store, checkout, &pi).await
}

async fn act_on(
    store: &Store,
    checkout: &Checkout,
    pi: &PaymentIntent,
) -> Result<Settled, ApiError> {
    match &pi.status {
        PaymentStatus::RequiresCapture | PaymentStatus::Succeeded => {
            let total = checkout.priced.total;
            let currency = total.currency.code().to_ascii_lowercase();
            if pi.amount != total.amount || pi.currency != currency {
                return Err(ApiError::internal(format!(
                    "payment intent {} is for {} {}, checkout {} totals {}",
                    pi.id, pi.amount, pi.currency, checkout.id, total
                )));
            }
            match store
                .put_order_if_absent(&order_for(checkout, &pi.id))
                .await
            {
                Ok(()) => tracing::info!(order = %checkout.id, pi = %pi.id, "order authorized"),
                Err(StoreError::ConditionFailed(_)) => {}
                Err(e) => return Err(e.into()),
            }
            Ok(Settled::Authorized {
                order_id: checkout.id.clone(),
            })
        }
        PaymentStatus::RequiresAction => Ok(Settled::RequiresAction {
            client_secret: pi.client_secret.clone(),
        }),
        PaymentStatus::Processing | PaymentStatus::RequiresConfirmation => Ok(Settled::Processing),
        PaymentStatus::RequiresPaymentMethod | PaymentStatus::Canceled => {
            // The code is kept with the checkout: a repeat of the request (or the intent once
            // cancelled, which may no longer carry its last error) answers the same sentence.
            let code = pi
                .last_error_code
                .as_deref()
                .or(checkout.failure_code.as_deref());
            if checkout.payment_status != Some(CheckoutState::Failed) {
                let mut failed = checkout.clone();
                failed.payment_status = Some(CheckoutState::Failed);
                failed.payment_intent = Some(pi.id.clone());
                failed.failure_code = code.map(str::to_owned);
                store.put_checkout(&failed).await?;
            }
            tracing::info!(
                checkout = %checkout.id,
                pi = %pi.id,
                code = code.unwrap_or(""),
                error = pi.last_error.as_deref().unwrap_or(""),
                "payment failed"
            );
            Ok(Settled::Failed {
                message: failed_intent_message(&pi.status, code).into(),
            })
        }
        PaymentStatus::Other(s) => Err(ApiError::internal(format!(
            "payment intent {} has unknown status {s}",
            pi.id
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_payment_is_told_in_the_shops_words() {
        assert_eq!(
            failure_message(Some("payment_intent_authentication_failure")),
            AUTHENTICATION_FAILED
        );
        assert_eq!(failure_message(Some("expired_card")), CARD_EXPIRED);
        assert_eq!(failure_message(Some("incorrect_cvc")), INCORRECT_CVC);
        // Why the bank refused stays unsaid.
        for code in [
            Some("card_declined"),
            Some("insufficient_funds"),
            Some("fraudulent"),
            None,
        ] {
            assert_eq!(failure_message(code), CARD_DECLINED, "{code:?}");
        }
    }

    #[test]
    fn an_intent_cancelled_without_an_error_expired() {
        assert_eq!(
            failed_intent_message(&PaymentStatus::Canceled, None),
            PAYMENT_EXPIRED
        );
        // Cancelled after a refusal (release cancels it): the refusal is what happened.
        assert_eq!(
            failed_intent_message(&PaymentStatus::Canceled, Some("card_declined")),
            CARD_DECLINED
        );
        assert_eq!(
            failed_intent_message(
                &PaymentStatus::RequiresPaymentMethod,
                Some("payment_intent_authentication_failure")
            ),
            AUTHENTICATION_FAILED
        );
        assert_eq!(
            failed_intent_message(&PaymentStatus::RequiresPaymentMethod, None),
            CARD_DECLINED
        );
    }
}
