//! The emails the shop sends about an order, rendered from askama templates
//! under `shop/templates/email/` (HTML and plain text for each).
//!
//! Pure content: no SES here (see [`crate::mailer`]), so every email can be
//! checked in unit tests. HTML templates escape every value; the text parts
//! carry the values as they are.

mod templates;

use crate::domain::Order;

/// The shop's name as it appears in emails.
pub const SHOP_NAME: &str = "Edge Shop";

/// A rendered email, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Subject line (one line, plain text).
    pub subject: String,
    /// HTML body.
    pub html: String,
    /// Plain-text body.
    pub text: String,
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

/// Renders the email of `kind` for `order`.
pub fn render(kind: EmailKind, order: &Order) -> Result<Email, RenderError> {
    templates::render(kind, order).map_err(|e| RenderError {
        kind,
        message: e.to_string(),
    })
}

/// "Your order is confirmed": lines, totals, shipping address.
pub fn confirmation(order: &Order) -> Result<Email, RenderError> {
    render(EmailKind::Confirmed, order)
}

/// The apology when an order is cancelled (out of stock): nothing charged.
pub fn cancellation(order: &Order) -> Result<Email, RenderError> {
    render(EmailKind::Cancelled, order)
}

/// "Your order is on its way", with the tracking reference if there is one.
pub fn shipped(order: &Order) -> Result<Email, RenderError> {
    render(EmailKind::Shipped, order)
}

/// "Your refund is on its way".
pub fn refunded(order: &Order) -> Result<Email, RenderError> {
    render(EmailKind::Refunded, order)
}

#[cfg(test)]
mod tests;
