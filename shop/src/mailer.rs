//! The SES v2 adapter: sends an [`Email`] (HTML + text) to one address.
//!
//! The same client talks to SES in AWS and to `aws-ses-v2-local` locally
//! (only the endpoint differs).

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};
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
    /// SES refused this message for good (bad address, unverified sender,
    /// account paused): sending it again will not help.
    #[error("ses refused the message: {0}")]
    Rejected(String),
}

impl MailError {
    /// True when sending the same email again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, MailError::Unavailable(_))
    }
}

/// Sends the shop's emails through SES v2 from one verified address.
///
/// Cheap to clone (the SDK client is an `Arc` inside).
#[derive(Clone, Debug)]
pub struct Mailer {
    client: Client,
    from: String,
}

const CHARSET: &str = "UTF-8";

impl Mailer {
    /// A mailer sending from `from_address` (an SES-verified identity,
    /// e.g. `Edge Shop <orders@example.com>`) through `client`.
    pub fn new(client: Client, from_address: impl Into<String>) -> Mailer {
        Mailer {
            client,
            from: from_address.into(),
        }
    }

    /// The sender address.
    pub fn from_address(&self) -> &str {
        &self.from
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
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(classify)?;
        Ok(out.message_id.unwrap_or_default())
    }
}

/// Sorts an SDK error into retryable or not.
fn classify(err: SdkError<SendEmailError, HttpResponse>) -> MailError {
    let text = format!("{}", DisplayErrorContext(&err));
    match &err {
        SdkError::ServiceError(service) => match service.err() {
            SendEmailError::TooManyRequestsException(_)
            | SendEmailError::LimitExceededException(_) => MailError::Unavailable(text),
            SendEmailError::AccountSuspendedException(_)
            | SendEmailError::BadRequestException(_)
            | SendEmailError::MailFromDomainNotVerifiedException(_)
            | SendEmailError::MessageRejected(_)
            | SendEmailError::NotFoundException(_)
            | SendEmailError::SendingPausedException(_) => MailError::Rejected(text),
            // Unmodelled errors: a 5xx is SES's trouble, anything else ours.
            _ if service.raw().status().is_server_error() => MailError::Unavailable(text),
            _ => MailError::Rejected(text),
        },
        // Could not connect, timed out, or got an answer we could not read.
        _ => MailError::Unavailable(text),
    }
}
