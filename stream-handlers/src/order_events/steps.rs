//! One order: find the next missing step from its current state, do it,
//! record it, repeat.

use shop::email::{self, EmailKind};
use shop::store::{Change, Modified, ReservationState, StoreError};
use shop::{CartLine, Effect, Order, OrderEvent, OrderStatus, Sku};

use super::{HandleError, State};

/// Most steps (and re-reads after a version conflict) for one record.
const MAX_ROUNDS: usize = 24;
/// Attempts at a stock transaction when DynamoDB reports a conflict.
const STOCK_ATTEMPTS: u32 = 5;

/// A side effect still to do for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Take every line's stock and mark the order confirmed (or cancelled if short).
    TakeStock,
    /// Release the authorisation of a cancelled order.
    CancelPayment,
    /// Capture the payment of a confirmed order.
    Capture,
    /// Put a refunded order's units back in stock (the owner chose to: `Order::restock`).
    Restock,
    /// Send this email.
    Email(EmailKind),
}

fn email_done(order: &Order, kind: EmailKind) -> bool {
    order.has_effect(Effect::Email(kind)) || order.has_effect(Effect::EmailRejected(kind))
}

/// The next side effect `order` is missing, or `None` when it is settled.
pub fn next_step(order: &Order) -> Option<Step> {
    use OrderStatus as S;
    match order.status {
        S::Authorized if !order.has_effect(Effect::Stock) => Some(Step::TakeStock),
        S::Authorized => None,
        S::Cancelled
            if !order.has_effect(Effect::Cancel) && !order.has_effect(Effect::CancelFailed) =>
        {
            Some(Step::CancelPayment)
        }
        S::Cancelled if !email_done(order, EmailKind::Cancelled) => {
            Some(Step::Email(EmailKind::Cancelled))
        }
        S::Cancelled => None,
        S::Confirmed | S::Shipped => {
            if !order.has_effect(Effect::Capture) && !order.has_effect(Effect::CaptureFailed) {
                Some(Step::Capture)
            } else if order.is_captured() && !email_done(order, EmailKind::Confirmed) {
                Some(Step::Email(EmailKind::Confirmed))
            } else if order.status == S::Shipped && !email_done(order, EmailKind::Shipped) {
                Some(Step::Email(EmailKind::Shipped))
            } else if order.notify_owner
                && order.is_captured()
                && !email_done(order, EmailKind::NewOrder)
            {
                // Last, so the shopper's emails never wait for it (and [`settle`] may stop here
                // when the address was removed since the order was confirmed).
                Some(Step::Email(EmailKind::NewOrder))
            } else {
                None
            }
        }
        // The shopper's email first: it never waits on the stock.
        S::Refunded if !email_done(order, EmailKind::Refunded) => {
            Some(Step::Email(EmailKind::Refunded))
        }
        S::Refunded
            if order.restock
                && !order.has_effect(Effect::Restock)
                && !order.has_effect(Effect::RestockFailed) =>
        {
            Some(Step::Restock)
        }
        S::Refunded => None,
    }
}

/// Brings the order `customer`/`order_id` up to date: every missing step, in order.
pub async fn settle(state: &State, customer: &str, order_id: &str) -> Result<(), HandleError> {
    let mut order = match state.store.get_order(customer, order_id).await {
        Ok(order) => order,
        Err(StoreError::NotFound) => {
            tracing::info!(order_id, "order no longer exists; nothing to do");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    for _ in 0..MAX_ROUNDS {
        let Some(step) = next_step(&order) else {
            return Ok(());
        };
        if let Step::Email(kind) = step
            && recipient(state, kind, &order).is_none()
        {
            // The owner's notice, owed when the order was confirmed, but the address is gone
            // since: nothing to send and nothing to record. It is its status's last step, so
            // nothing waits on it.
            tracing::info!(
                order_id,
                "no owner's address configured now; no new-order notice"
            );
            return Ok(());
        }
        tracing::info!(order_id, ?step, status = %order.status, "order step");
        match run(state, step, &order).await {
            Ok(next) => order = next,
            Err(HandleError::Store(StoreError::VersionConflict { .. })) => {
                tracing::info!(order_id, "order changed meanwhile; re-reading");
                order = state.store.get_order(customer, order_id).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(HandleError::Busy(order_id.to_owned()))
}

async fn run(state: &State, step: Step, order: &Order) -> Result<Order, HandleError> {
    match step {
        Step::TakeStock => take_stock(state, order).await,
        Step::Restock => restock(state, order).await,
        Step::CancelPayment => {
            let key = format!("cancel-{}", order.id);
            let effect = match state.payments.cancel(&order.payment_intent, &key).await {
                Ok(_) => Effect::Cancel,
                Err(e) if e.is_retryable() => return Err(e.into()),
                Err(e) => {
                    tracing::error!(order_id = %order.id, error = %e, "Stripe refused to cancel the authorisation; it will lapse on its own");
                    Effect::CancelFailed
                }
            };
            record_effect(state, order, effect).await
        }
        Step::Capture => {
            let key = format!("capture-{}", order.id);
            let effect = match state.payments.capture(&order.payment_intent, &key).await {
                Ok(_) => Effect::Capture,
                Err(e) if e.is_retryable() => return Err(e.into()),
                Err(e) => {
                    tracing::error!(order_id = %order.id, error = %e, "Stripe refused the capture: the order needs the owner's attention");
                    Effect::CaptureFailed
                }
            };
            record_effect(state, order, effect).await
        }
        Step::Email(kind) => {
            let Some(to) = recipient(state, kind, order) else {
                // `settle` stops before an email with no one to send it to.
                return Err(HandleError::Busy(order.id.clone()));
            };
            let message = email::render(kind, order, &state.letterhead)?;
            let effect = match state.mailer.send(to, &message).await {
                Ok(_) => Effect::Email(kind),
                Err(e) if e.is_retryable() => return Err(e.into()),
                Err(e) => {
                    tracing::error!(order_id = %order.id, email = kind.as_str(), error = %e, "SES rejected the email; not retrying");
                    Effect::EmailRejected(kind)
                }
            };
            record_effect(state, order, effect).await
        }
    }
}

/// Who gets email `kind` about `order`: the shopper, or for the owner's notice the configured
/// address (`None` when there is none).
fn recipient<'a>(state: &'a State, kind: EmailKind, order: &'a Order) -> Option<&'a str> {
    if kind.to_owner() {
        state.owner_email.as_deref()
    } else {
        Some(&order.email)
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One transaction: every line's stock, conditional, and the order moved to
/// `confirmed` with the `stock` effect. Short stock → the order is marked
/// `cancelled` instead (the authorisation is released by the next step).
async fn take_stock(state: &State, order: &Order) -> Result<Order, HandleError> {
    let mut confirmed = order.clone();
    confirmed.status = order
        .status
        .apply(OrderEvent::Confirm)
        .map_err(|e| StoreError::Other(e.to_string()))?;
    confirmed.add_effect(Effect::Stock);
    // The owner is told of the orders confirmed while an address is configured, and of no other.
    confirmed.notify_owner = state.owner_email.is_some();
    confirmed.updated_at = now();
    let lines = cart_lines(order);
    // The checkout's reservation, if it still holds the units: the sale
    // turns it into `sold` and takes the units off the counters in the same
    // transaction. Without one (released after its expiry, or an order from
    // before reservations) the sale takes the stock alone, still
    // conditional on enough stock.
    let reservation = state
        .store
        .get_reservation(&order.id)
        .await?
        .filter(|r| r.state == ReservationState::Held && r.customer == order.customer);
    let mut also = vec![state.store.order_update_item(&confirmed)?];
    if let Some(r) = &reservation {
        also.extend(
            state
                .store
                .end_reservation_items(r, ReservationState::Sold)?,
        );
    }
    match with_retries(|| state.store.decrement_stock(&lines, also.clone())).await {
        Ok(()) => {
            confirmed.version += 1;
            tracing::info!(order_id = %order.id, "stock taken; order confirmed");
            Ok(confirmed)
        }
        Err(StoreError::InsufficientStock(short)) => {
            let mut cancelled = order.clone();
            cancelled.status = order
                .status
                .apply(OrderEvent::Cancel)
                .map_err(|e| StoreError::Other(e.to_string()))?;
            cancelled.cancel_reason = Some(sold_out_reason(order, &short));
            cancelled.updated_at = now();
            tracing::info!(order_id = %order.id, short = ?short, "stock short; order cancelled");
            let saved = state.store.update_order(&cancelled).await?;
            // Units it still held (the owner cut the stock below what was
            // reserved) go back to the shelf.
            state.store.release_reservation(&order.id).await?;
            Ok(saved)
        }
        // The order's own condition failed: someone changed it first.
        Err(StoreError::ConditionFailed(_)) => Err(StoreError::VersionConflict {
            expected: order.version,
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// A stock transaction (`write`), tried again while DynamoDB reports a conflict with another
/// transaction or throttling, at most [`STOCK_ATTEMPTS`] times in all.
async fn with_retries<F, Fut>(mut write: F) -> Result<(), StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write().await {
            Err(e) if e.is_retryable() && attempt < STOCK_ATTEMPTS => {
                tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt))).await;
            }
            other => return other,
        }
    }
}

/// The order's lines as stock moves them (SKU and quantity).
fn cart_lines(order: &Order) -> Vec<CartLine> {
    order
        .lines
        .iter()
        .map(|l| CartLine {
            sku: l.sku.clone(),
            quantity: l.quantity,
        })
        .collect()
}

/// One transaction: every line's units back in stock and the order's versioned update with
/// the `restock` effect. A redelivered record finds the effect (nothing to do); two deliveries
/// at once both read the order at one version and only one transaction's condition holds, so
/// the units go back once. A product that no longer exists (the shop never deletes one) writes
/// nothing and is recorded as `restock:failed`, which the back office shows the owner among the
/// orders that need attention (retrying cannot bring a product back).
async fn restock(state: &State, order: &Order) -> Result<Order, HandleError> {
    let mut restocked = order.clone();
    restocked.add_effect(Effect::Restock);
    restocked.updated_at = now();
    let lines = cart_lines(order);
    let also = vec![state.store.order_update_item(&restocked)?];
    match with_retries(|| state.store.increment_stock(&lines, also.clone())).await {
        Ok(()) => {
            restocked.version += 1;
            tracing::info!(order_id = %order.id, "refunded order's stock put back");
            Ok(restocked)
        }
        // The order's own condition failed: someone changed it first (maybe this same step).
        Err(StoreError::ConditionFailed(_)) => Err(StoreError::VersionConflict {
            expected: order.version,
        }
        .into()),
        Err(e @ StoreError::MissingProducts(_)) => {
            tracing::error!(order_id = %order.id, error = %e, "the refunded order's stock cannot be put back: the owner sets it by hand");
            record_effect(state, order, Effect::RestockFailed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The apology's reason: which products ran out, by name.
fn sold_out_reason(order: &Order, short: &[Sku]) -> String {
    let names: Vec<&str> = order
        .lines
        .iter()
        .filter(|l| short.contains(&l.sku))
        .map(|l| l.name.as_str())
        .collect();
    match names.as_slice() {
        [] => "some items sold out before we could reserve them for you.".to_owned(),
        [one] => format!("{one} sold out before we could reserve it for you."),
        many => format!(
            "{} sold out before we could reserve them for you.",
            many.join(", ")
        ),
    }
}

/// Adds `effect` to the order with a versioned write ([`shop::Store::modify_order`]): on a
/// version conflict it re-reads and adds it to the current order (unless it is already there),
/// so the step it records is never repeated.
async fn record_effect(state: &State, order: &Order, effect: Effect) -> Result<Order, HandleError> {
    let add = |o: &mut Order| {
        Ok::<_, HandleError>(if o.add_effect(effect) {
            Change::Write
        } else {
            Change::Keep
        })
    };
    match state
        .store
        .modify_order(order.clone(), MAX_ROUNDS, add)
        .await?
    {
        Modified::Written(saved) | Modified::Kept(saved) => Ok(saved),
        Modified::Busy => Err(HandleError::Busy(order.id.clone())),
    }
}

#[cfg(test)]
mod tests;
