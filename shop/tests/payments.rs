//! The Stripe adapter against a real localstripe.

use shop::payments::{PaymentError, PaymentStatus, Payments};
use shop::{Currency, Money};

const KEY: &str = standins::fixtures::STRIPE_KEY;

fn payments() -> Payments {
    Payments::new(&standins::services::stripe().endpoint(), KEY.into())
}

/// A card token as Stripe.js `createToken` would make it.
async fn card_token(number: &str) -> String {
    standins::fixtures::card_token(&standins::services::stripe().endpoint(), number)
        .await
        .unwrap()
}

async fn customer(number: &str) -> String {
    let token = card_token(number).await;
    payments()
        .create_customer("ada@example.com", &token)
        .await
        .unwrap()
}

#[tokio::test]
async fn authorises_captures_repeats_and_refunds() {
    let p = payments();
    let cus = customer("4242424242424242").await;
    assert!(cus.starts_with("cus_"));
    let pi = p
        .create_authorization(&cus, Money::new(2750, Currency::Eur), "01CHECKOUT", "key-1")
        .await
        .unwrap();
    assert_eq!(pi.status, PaymentStatus::RequiresCapture);
    assert_eq!(pi.amount, 2750);
    assert_eq!(pi.currency, "eur");
    assert_eq!(pi.checkout_id.as_deref(), Some("01CHECKOUT"));
    assert!(pi.client_secret.is_some());

    let read = p.retrieve(&pi.id).await.unwrap();
    assert_eq!(read.status, PaymentStatus::RequiresCapture);

    let captured = p.capture(&pi.id, "cap-1").await.unwrap();
    assert_eq!(captured.status, PaymentStatus::Succeeded);
    let again = p.capture(&pi.id, "cap-1").await.unwrap();
    assert_eq!(again.status, PaymentStatus::Succeeded);

    let refund = p.refund(&pi.id, "ref-1").await.unwrap();
    assert!(refund.starts_with("re_"));
}

#[tokio::test]
async fn cancel_is_safe_to_repeat_and_capture_after_cancel_fails() {
    let p = payments();
    let cus = customer("4242424242424242").await;
    let pi = p
        .create_authorization(&cus, Money::new(500, Currency::Eur), "01C2", "key-2")
        .await
        .unwrap();
    let canceled = p.cancel(&pi.id, "can-1").await.unwrap();
    assert_eq!(canceled.status, PaymentStatus::Canceled);
    let again = p.cancel(&pi.id, "can-1").await.unwrap();
    assert_eq!(again.status, PaymentStatus::Canceled);
    let err = p.capture(&pi.id, "cap-2").await.unwrap_err();
    assert!(matches!(err, PaymentError::InvalidRequest(_)), "{err:?}");
}

#[tokio::test]
async fn declined_card_is_card_declined() {
    let p = payments();
    let cus = customer("4000000000000341").await;
    let err = p
        .create_authorization(&cus, Money::new(500, Currency::Eur), "01C3", "key-3")
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::CardDeclined { .. }), "{err:?}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn three_d_secure_card_requires_action() {
    let p = payments();
    let cus = customer("4000000000003220").await;
    let pi = p
        .create_authorization(&cus, Money::new(500, Currency::Eur), "01C4", "key-4")
        .await
        .unwrap();
    assert_eq!(pi.status, PaymentStatus::RequiresAction);
    assert!(pi.client_secret.is_some());
}

#[tokio::test]
async fn a_repeat_with_the_same_key_is_the_same_intent() {
    let p = payments();
    let cus = customer("4242424242424242").await;
    let amount = Money::new(900, Currency::Eur);
    let first = p
        .create_authorization(&cus, amount, "01C5", "key-5")
        .await
        .unwrap();
    let again = p
        .create_authorization(&cus, amount, "01C5", "key-5")
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    // The same key with other parameters is refused, as at Stripe.
    let err = p
        .create_authorization(&cus, Money::new(901, Currency::Eur), "01C5", "key-5")
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::InvalidRequest(_)), "{err:?}");
}

#[tokio::test]
async fn unknown_intent_and_unreachable_stripe() {
    let err = payments().retrieve("pi_doesnotexist").await.unwrap_err();
    assert!(matches!(err, PaymentError::InvalidRequest(_)), "{err:?}");
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    let down = Payments::new("http://127.0.0.1:9", KEY.into());
    let err = down.retrieve("pi_x").await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}
