//! The SES v2 adapter: sends an [`Email`] (HTML + text) to one address.
//!
//! The same client talks to SES in AWS and to `aws-ses-v2-local` locally
//! (only the endpoint differs).

use aws_sdk_sesv2::Client;

use crate::config::LazyClient;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use crate::email::Email;

/// Why an email was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// SES was unreachable, throttled or failed inside: the same send may
    /// succeed later.
    #[error("ses unavailable, retry: {0}")]
    Unavailable(String),
    /// SES refused to send *as the shop*: the From identity is not verified,
    /// the role may not send, sending is paused or the account suspended.
    /// Nothing is wrong with this message or its recipient, and every other
    /// mail fails the same way until the owner fixes it: retried, and logged
    /// with `ses_refusal = "sender"` (the template's alarm counts those lines).
    #[error("ses refused to send as the shop, retry once fixed: {0}")]
    SenderRefused(String),
    /// SES refused this message for its recipient (an invalid or suppressed
    /// address, or, in the SES sandbox, an unverified one): sending it again
    /// will not help. Logged with `ses_refusal = "recipient"`.
    #[error("ses refused the message: {0}")]
    Rejected(String),
}

impl MailError {
    /// True when sending the same email again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            MailError::Unavailable(_) | MailError::SenderRefused(_)
        )
    }
}

/// The log field naming which side SES's refusal is on (`sender` or
/// `recipient`); CloudWatch metric filters count it.
pub const REFUSAL_LOG_FIELD: &str = "ses_refusal";
/// The metric filter (CloudWatch Logs JSON pattern) of sender-side refusals,
/// as `tracing`'s JSON formatter writes the fields (`sam/template.yaml` uses it).
pub const SENDER_REFUSAL_FILTER: &str = r#"{ $.fields.ses_refusal = "sender" }"#;
/// The metric filter of recipient-side rejections.
pub const RECIPIENT_REJECTION_FILTER: &str = r#"{ $.fields.ses_refusal = "recipient" }"#;

/// Sends the shop's emails through SES v2 from one verified address.
///
/// Cheap to clone (the SDK client is an `Arc` inside).
#[derive(Clone, Debug)]
pub struct Mailer {
    client: LazyClient<Client>,
    from: String,
}

const CHARSET: &str = "UTF-8";

impl Mailer {
    /// A mailer sending from `from_address` (an SES-verified identity,
    /// e.g. `Edge Shop <orders@example.com>`) through `client`.
    pub fn new(client: impl Into<LazyClient<Client>>, from_address: impl Into<String>) -> Mailer {
        Mailer {
            client: client.into(),
            from: from_address.into(),
        }
    }

    /// Sends `email` to `to`. Returns SES's message id.
    pub async fn send(&self, to: &str, email: &Email) -> Result<String, MailError> {
        let content = |data: &str| {
            Content::builder()
                .data(data)
                .charset(CHARSET)
                .build()
                .map_err(|e| MailError::Rejected(e.to_string()))
        };
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(
                Body::builder()
                    .html(content(&email.html)?)
                    .text(content(&email.text)?)
                    .build(),
            )
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to).build())
            .set_reply_to_addresses(email.reply_to.clone().map(|r| vec![r]))
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| classify(e, &self.from));
        let err = match out {
            Ok(out) => return Ok(out.message_id.unwrap_or_default()),
            Err(err) => err,
        };
        match &err {
            MailError::SenderRefused(m) => tracing::error!(
                ses_refusal = "sender",
                from = %self.from,
                error = %m,
                "SES refuses to send as the shop: no order mail goes out until this is fixed (retried)"
            ),
            MailError::Rejected(m) => tracing::warn!(
                ses_refusal = "recipient",
                error = %m,
                "SES rejected the message for its recipient"
            ),
            MailError::Unavailable(_) => {}
        }
        Err(err)
    }
}

/// Sorts an SDK error: transient, the shop's (sender-side) or the recipient's.
fn classify(err: SdkError<SendEmailError, HttpResponse>, from: &str) -> MailError {
    let text = format!("{}", DisplayErrorContext(&err));
    let SdkError::ServiceError(service) = &err else {
        // Could not connect, timed out, or got an answer we could not read.
        return MailError::Unavailable(text);
    };
    let message = service.err().message().unwrap_or_default();
    let status = service.raw().status().as_u16();
    let kind = match service.err() {
        SendEmailError::TooManyRequestsException(_) | SendEmailError::LimitExceededException(_) => {
            Refusal::Transient
        }
        SendEmailError::AccountSuspendedException(_)
        | SendEmailError::SendingPausedException(_)
        | SendEmailError::MailFromDomainNotVerifiedException(_)
        // A configuration set or identity the message names is missing: ours.
        | SendEmailError::NotFoundException(_) => Refusal::Sender,
        SendEmailError::MessageRejected(_) | SendEmailError::BadRequestException(_) => {
            refusal_of_message(message, from)
        }
        // Unmodelled errors by status.
        _ => refusal_of_status(status),
    };
    match kind {
        Refusal::Transient => MailError::Unavailable(text),
        Refusal::Sender => MailError::SenderRefused(text),
        Refusal::Recipient => MailError::Rejected(text),
    }
}

/// Which side a refusal is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Transient,
    Sender,
    Recipient,
}

/// An error SES's model does not name, by its HTTP status: throttling and
/// 5xx are transient; 401/403 (`AccessDeniedException`: the role may not
/// send from this identity) are the shop's; anything else is the message's.
fn refusal_of_status(status: u16) -> Refusal {
    match status {
        429 | 500..=599 => Refusal::Transient,
        401 | 403 => Refusal::Sender,
        _ => Refusal::Recipient,
    }
}

/// `MessageRejected` / `BadRequest`: SES lists the identities that failed
/// ("Email address is not verified. The following identities failed the
/// check in region US-EAST-1: a@x, b@y"). When the From address is among
/// them (or named at all) the refusal is the shop's; otherwise it is the
/// recipient's (the SES sandbox's unverified recipient, a bad address).
fn refusal_of_message(message: &str, from: &str) -> Refusal {
    let sender = address_of(from).to_ascii_lowercase();
    let message = message.to_ascii_lowercase();
    if !sender.is_empty() && message.contains(&sender) {
        Refusal::Sender
    } else {
        Refusal::Recipient
    }
}

/// The mailbox `name <address>` as RFC 5322 writes a From header (and SES takes it), so that
/// inboxes show the shop's name: the name as it is when it is plain words, quoted when it holds
/// other ASCII, and as RFC 2047 encoded-words (UTF-8, base64, each at most 75 characters) when
/// it holds anything beyond ASCII. Control characters are dropped; an empty name gives the
/// bare address.
pub fn mailbox(name: &str, address: &str) -> String {
    use base64::Engine as _;
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~ ".contains(c);
    let phrase = if name.is_empty() {
        return address.to_owned();
    } else if name.chars().all(atext) {
        name.to_owned()
    } else if name.is_ascii() {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        // 45 bytes of UTF-8 are 60 of base64: 72 with `=?UTF-8?B?` and `?=`. A character is
        // never split across two words.
        let mut words = Vec::new();
        let mut chunk = String::new();
        for c in name.chars() {
            if chunk.len() + c.len_utf8() > 45 {
                words.push(std::mem::take(&mut chunk));
            }
            chunk.push(c);
        }
        words.push(chunk);
        words
            .iter()
            .map(|w| {
                format!(
                    "=?UTF-8?B?{}?=",
                    base64::engine::general_purpose::STANDARD.encode(w)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{phrase} <{address}>")
}

/// The bare address of `Name <addr>` (or the string itself).
fn address_of(from: &str) -> &str {
    match (from.rfind('<'), from.rfind('>')) {
        (Some(start), Some(end)) if start < end => from[start + 1..end].trim(),
        _ => from.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_from_mailbox_carries_the_shops_name_as_rfc_5322_and_2047_write_it() {
        let at = "orders@shop.example";
        assert_eq!(
            mailbox("Tea & Things", at),
            "Tea & Things <orders@shop.example>"
        );
        assert_eq!(
            mailbox("Smith, Jones", at),
            "\"Smith, Jones\" <orders@shop.example>"
        );
        assert_eq!(
            mailbox("Bob's \"Bits\"", at),
            r#""Bob's \"Bits\"" <orders@shop.example>"#
        );
        assert_eq!(
            mailbox("A.B (Shop)", at),
            "\"A.B (Shop)\" <orders@shop.example>"
        );
        assert_eq!(
            mailbox("Café Ü", at),
            "=?UTF-8?B?Q2Fmw6kgw5w=?= <orders@shop.example>"
        );
        assert_eq!(mailbox(" \n", at), at);
        assert_eq!(
            mailbox("Evil\r\nBcc: x", at),
            "\"EvilBcc: x\" <orders@shop.example>"
        );
        // A long name becomes several words, none over 75 characters, no character split.
        let long = "Ünïcödé Émporium ".repeat(4);
        let from = mailbox(&long, at);
        let words: Vec<&str> = from
            .trim_end_matches(" <orders@shop.example>")
            .split(' ')
            .collect();
        assert!(words.len() > 1, "{from}");
        let mut decoded = Vec::new();
        for w in &words {
            assert!(w.len() <= 75, "{w}");
            let b64 = w
                .strip_prefix("=?UTF-8?B?")
                .and_then(|w| w.strip_suffix("?="))
                .unwrap();
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            assert!(
                std::str::from_utf8(&bytes).is_ok(),
                "a word splits a character"
            );
            decoded.extend(bytes);
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), long.trim());
        for name in ["Tea & Things", "Smith, Jones", "Café Ü", &long] {
            assert_eq!(address_of(&mailbox(name, at)), at);
        }
    }

    const NOT_VERIFIED: &str = "Email address is not verified. The following identities failed the check in region US-EAST-1: ";

    #[test]
    fn an_unverified_sender_is_the_shops_refusal_an_unverified_recipient_is_not() {
        let from = "Edge Shop <Orders@Shop.example>";
        let only_from = format!("{NOT_VERIFIED}orders@shop.example");
        let both = format!("{NOT_VERIFIED}orders@shop.example, ada@example.com");
        let only_to = format!("{NOT_VERIFIED}ada@example.com");
        assert_eq!(refusal_of_message(&only_from, from), Refusal::Sender);
        assert_eq!(refusal_of_message(&both, from), Refusal::Sender);
        assert_eq!(refusal_of_message(&only_to, from), Refusal::Recipient);
        assert_eq!(
            refusal_of_message("Address blacklisted.", "orders@shop.example"),
            Refusal::Recipient
        );
    }

    #[test]
    fn unmodelled_errors_by_status() {
        assert_eq!(refusal_of_status(403), Refusal::Sender);
        assert_eq!(refusal_of_status(429), Refusal::Transient);
        assert_eq!(refusal_of_status(503), Refusal::Transient);
        assert_eq!(refusal_of_status(400), Refusal::Recipient);
    }

    #[test]
    fn bare_address_of_a_display_name() {
        assert_eq!(address_of("Edge Shop <a@b.example>"), "a@b.example");
        assert_eq!(address_of(" a@b.example "), "a@b.example");
    }
}
