//! The emails the shop sends about an order, rendered from askama templates
//! under `shop/templates/email/` (HTML and plain text for each): four to the shopper, and the
//! owner's notice of a new paid order ([`EmailKind::NewOrder`]).
//!
//! Pure content: no SES here (see [`crate::mailer`]), so every email can be
//! checked in unit tests. HTML templates escape every value; the text parts
//! carry the values as they are.

mod templates;

use crate::domain::Order;

/// How the emails name the shop and link to it. Built from the site's configuration (its
/// name and address), so that an email and the pages it links to agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// The shop's name: the subject's, the heading's and the signature's.
    pub shop_name: String,
    /// The absolute address of the site's order page; `?order=<id>` opens one order there
    /// (after sign-in).
    pub order_page: String,
    /// The absolute address of the back office's orders page; `?order=<id>` opens that order
    /// alone with its details (after the owner signs in). The owner's notice links there.
    pub back_office_orders: String,
}

impl Letterhead {
    /// The address of order `order_id`'s page (an order id is a ULID: nothing to escape).
    pub fn order_link(&self, order_id: &str) -> String {
        format!("{}?order={order_id}", self.order_page)
    }

    /// The address of order `order_id` in the back office.
    pub fn back_office_link(&self, order_id: &str) -> String {
        format!("{}?order={order_id}", self.back_office_orders)
    }
}

/// A rendered email, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Subject line (one line, plain text).
    pub subject: String,
    /// HTML body.
    pub html: String,
    /// Plain-text body.
    pub text: String,
    /// Where a reply goes, when not to the shop: the owner's new-order notice is answered to
    /// the shopper who ordered.
    pub reply_to: Option<String>,
}

pub use crate::domain::effect::EmailKind;

/// A template failed to render (a bug in a template, not bad data).
#[derive(Debug, thiserror::Error)]
#[error("rendering the {kind:?} email: {message}")]
pub struct RenderError {
    /// Which email.
    pub kind: EmailKind,
    /// What askama said.
    pub message: String,
}

/// Renders the email of `kind` for `order`, as `letterhead`'s shop.
pub fn render(
    kind: EmailKind,
    order: &Order,
    letterhead: &Letterhead,
) -> Result<Email, RenderError> {
    templates::render(kind, order, letterhead).map_err(|e| RenderError {
        kind,
        message: e.to_string(),
    })
}

/// "Your order is confirmed": lines, totals, shipping address.
pub fn confirmation(order: &Order, letterhead: &Letterhead) -> Result<Email, RenderError> {
    render(EmailKind::Confirmed, order, letterhead)
}

/// The apology when an order is cancelled (out of stock): nothing charged.
pub fn cancellation(order: &Order, letterhead: &Letterhead) -> Result<Email, RenderError> {
    render(EmailKind::Cancelled, order, letterhead)
}

/// "Your order is on its way", with the tracking reference if there is one.
pub fn shipped(order: &Order, letterhead: &Letterhead) -> Result<Email, RenderError> {
    render(EmailKind::Shipped, order, letterhead)
}

/// "Your refund is on its way".
pub fn refunded(order: &Order, letterhead: &Letterhead) -> Result<Email, RenderError> {
    render(EmailKind::Refunded, order, letterhead)
}

/// The owner's notice of a paid order to pack: lines, totals, the shopper's email, where to
/// ship, and the order in the back office.
pub fn new_order(order: &Order, letterhead: &Letterhead) -> Result<Email, RenderError> {
    render(EmailKind::NewOrder, order, letterhead)
}

#[cfg(test)]
mod tests;
