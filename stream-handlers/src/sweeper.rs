//! `reservation-sweeper`: gives back the units of checkouts that never
//! became orders (ARCHITECTURE.md, path 5), and cancels their card holds.
//!
//! DynamoDB's TTL can take days, so a scheduled run (EventBridge, every
//! [`SCHEDULE_MINUTES`] minute; `shop-local` runs the same function on the
//! same schedule) finds reservations still `held` after their `heldUntil`
//! through the sparse GSI1 partition `RESERVATIONS#held`, and for each:
//!
//! - an order exists and is still `authorized`: leave it, order-events is
//!   turning the reservation into the sale;
//! - otherwise: release it (one conditional transaction: a reservation
//!   released twice frees its units once), then cancel its PaymentIntent if
//!   it has one that was never captured (safe to repeat).
//!
//! Known window: a shopper confirming in the same instant as the sweep
//! (10 minutes after "Pay") can see the order written just after its hold
//! was cancelled; order-events then records `capture:failed`. The
//! reservation's life is far longer than a checkout takes, so this needs a
//! checkout stalled for exactly that long.

use shop::payments::{PaymentStatus, Payments};
use shop::store::StoreError;
use shop::{OrderStatus, Store};

/// How often the sweeper runs, in minutes (the template's schedule and
/// `shop-local`'s timer).
pub const SCHEDULE_MINUTES: u64 = 1;

/// Most reservations one run looks at (the next run takes the rest).
const BATCH: i32 = 200;

/// What the sweeper needs: the table and Stripe.
#[derive(Clone, Debug)]
pub struct State {
    /// The shop's table.
    pub store: Store,
    /// Stripe (cancel holds).
    pub payments: Payments,
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Expired reservations found.
    pub expired: usize,
    /// Released by this run.
    pub released: usize,
    /// Holds cancelled at Stripe.
    pub holds_cancelled: usize,
    /// Left for order-events (an authorised order exists).
    pub left_for_orders: usize,
    /// Failed this time (retried next run).
    pub failed: usize,
}

/// Why a sweep failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The index could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SweepReport {
    /// The report as the Lambda's answer (and for logs).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "expired": self.expired,
            "released": self.released,
            "holdsCancelled": self.holds_cancelled,
            "leftForOrders": self.left_for_orders,
            "failed": self.failed,
        })
    }
}

/// Releases every reservation whose time ran out by `now` (Unix seconds).
/// One reservation failing is logged and counted, not fatal: the next run
/// picks it up again.
pub async fn sweep(state: &State, now: i64) -> Result<SweepReport, SweepError> {
    let expired = state.store.expired_reservations(now, BATCH).await?;
    let mut report = SweepReport {
        expired: expired.len(),
        ..SweepReport::default()
    };
    for r in expired {
        match sweep_one(state, &r.customer, &r.checkout_id).await {
            Ok(Outcome::LeftForOrder) => report.left_for_orders += 1,
            Ok(Outcome::Released { hold_cancelled }) => {
                report.released += 1;
                report.holds_cancelled += usize::from(hold_cancelled);
            }
            Ok(Outcome::Nothing) => {}
            Err(e) => {
                report.failed += 1;
                tracing::warn!(checkout = %r.checkout_id, error = %e, "could not release a reservation; next run retries");
            }
        }
    }
    tracing::info!(?report, "reservation sweep");
    Ok(report)
}

enum Outcome {
    LeftForOrder,
    Released { hold_cancelled: bool },
    Nothing,
}

#[derive(Debug, thiserror::Error)]
enum OneError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Payment(#[from] shop::payments::PaymentError),
}

async fn sweep_one(state: &State, customer: &str, checkout_id: &str) -> Result<Outcome, OneError> {
    match state.store.get_order(customer, checkout_id).await {
        Ok(order) if order.status == OrderStatus::Authorized => return Ok(Outcome::LeftForOrder),
        Ok(_) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let released = state.store.release_reservation(checkout_id).await?;
    if !released {
        return Ok(Outcome::Nothing);
    }
    let checkout = match state.store.get_checkout(checkout_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => {
            return Ok(Outcome::Released {
                hold_cancelled: false,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let mut hold_cancelled = false;
    if let Some(pi) = checkout.payment_intent.as_deref() {
        // An order written meanwhile keeps its hold (order-events captures it).
        let ordered = state.store.get_order(customer, checkout_id).await.is_ok();
        let intent = state.payments.retrieve(pi).await?;
        if !ordered
            && !matches!(
                intent.status,
                PaymentStatus::Succeeded | PaymentStatus::Canceled
            )
        {
            state
                .payments
                .cancel(pi, &format!("cancel-{checkout_id}"))
                .await?;
            hold_cancelled = true;
            tracing::info!(
                checkout = checkout_id,
                pi,
                "expired checkout's hold cancelled"
            );
        }
    }
    Ok(Outcome::Released { hold_cancelled })
}
