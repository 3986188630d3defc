//! `order-events`: what happens after an order is authorised (ARCHITECTURE.md, path 5).
//!
//! For each `ORDER#` stream record the handler reads the order as it is now
//! (a consistent read, not the stream image) and does the next missing step
//! until none is left ([`steps::next_step`]):
//!
//! | order | step | effect recorded |
//! |---|---|---|
//! | `authorized` | one transaction: every line's stock (conditional), its reservation turned into the sale (`reserved −= q`, reservation `sold`), order `confirmed` (and `notify_owner` when an owner's address is configured) | `stock` |
//! | `authorized`, stock short | order `cancelled` with a reason | — |
//! | `cancelled` | cancel the PaymentIntent (`cancel-<order>`) | `cancel` |
//! | `cancelled` | apology email | `email:cancelled` |
//! | `confirmed` / `shipped` | capture the PaymentIntent (`capture-<order>`) | `capture` |
//! | `confirmed` / `shipped` | confirmation email | `email:confirmed` |
//! | `shipped` | shipped email | `email:shipped` |
//! | `confirmed` / `shipped`, captured, `notify_owner` | the owner's new-order notice, to [`OWNER_EMAIL_VAR`] | `email:new-order` |
//! | `refunded` | refunded email | `email:refunded` |
//! | `refunded`, `restock` chosen | one transaction: every line's stock back (`stock += q`, product must exist), order updated (versioned) | `restock` |
//! | `refunded`, `restock` chosen, a product gone | nothing written; the owner sets the stock by hand | `restock:failed` |
//!
//! Every step first checks the order's `effects`, and each effect is recorded
//! with a versioned write, so a redelivered or out-of-date record repeats
//! nothing. (Invariant: an effect is recorded only after it happened; a crash
//! between the two repeats that one step, and Stripe's capture/cancel are
//! safe to repeat. An email can then go out twice, never zero times.)
//!
//! A permanent refusal (Stripe says the intent cannot be captured, SES
//! rejects the recipient's address) is logged and recorded as `<effect>:failed` /
//! `email:<kind>:rejected` so the shard is not blocked by a record that can
//! never succeed; a transient one fails the record.
//!
//! The owner's notice comes last, after the shopper's emails, so they never wait for it
//! (a transient SES failure of the notice retries the record, but the shopper's email is
//! already recorded and is not sent again). Only an order confirmed while an address is set
//! is owed one (`Order::notify_owner`, decided in the stock step): configuring the address
//! later sends nothing for older orders, and unset, no notice and no effect is recorded.

mod batch;
pub mod steps;

use shop::Store;
use shop::email::RenderError;
use shop::mailer::{MailError, Mailer};
use shop::payments::{PaymentError, Payments};
use shop::store::StoreError;

pub use batch::handle;

/// What the handler needs: the table, Stripe and SES.
#[derive(Clone, Debug)]
pub struct State {
    /// The shop's table.
    pub store: Store,
    /// Stripe (capture, cancel).
    pub payments: Payments,
    /// SES (the order emails).
    pub mailer: Mailer,
    /// The shop's name and order page, as the emails give them ([`letterhead`]).
    pub letterhead: shop::email::Letterhead,
    /// Where the owner's new-order notices go ([`OWNER_EMAIL_VAR`]); `None`: no notices.
    pub owner_email: Option<String>,
}

/// The environment variable naming the owner's address for new-order notices (the template's
/// `OrderNotificationEmail` parameter; unset or empty: no notices).
pub const OWNER_EMAIL_VAR: &str = "ORDER_NOTIFICATION_EMAIL";

/// Why handling one record failed (it is then reported in `batchItemFailures`).
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// The table refused or was unreachable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stripe was unreachable (or refused in a way worth retrying).
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// SES was unreachable, or refused to send as the shop (sender not
    /// verified, access denied, sending paused): retried, never recorded as
    /// `email:<kind>:rejected` (only a refusal of the recipient is).
    #[error(transparent)]
    Mail(#[from] MailError),
    /// An email template failed (a bug).
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The order kept changing under the handler.
    #[error("order {0} kept changing; giving up for this delivery")]
    Busy(String),
}

/// How the emails name the shop and link to it: the site's name, its order page and the back
/// office's orders page, from the same site configuration the catalogue publisher renders the
/// pages with (`SITE_CONFIG`).
pub fn letterhead(site: &static_site::SiteConfig) -> shop::email::Letterhead {
    let base = site.base_url.trim_end_matches('/');
    shop::email::Letterhead {
        shop_name: site.site_name.clone(),
        order_page: format!("{base}{}", static_site::routes::CHECKOUT_DONE),
        back_office_orders: format!("{base}{}", static_site::routes::ADMIN_ORDERS),
    }
}

/// The order emails' mailer: from `address` (the verified SES identity, `FROM_EMAIL`) under the
/// shop's name, so that inboxes show "Tea & Things" rather than a bare address
/// ([`shop::mailer::mailbox`]).
pub fn mailer(
    client: impl Into<shop::config::LazyClient<aws_sdk_sesv2::Client>>,
    address: &str,
    letterhead: &shop::email::Letterhead,
) -> Mailer {
    Mailer::new(
        client,
        shop::mailer::mailbox(&letterhead.shop_name, address),
    )
}
