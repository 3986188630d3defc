//! The SES adapter's view of SES's answers: a send through aws-ses-v2-local,
//! and SES's recorded refusals (status, `x-amzn-ErrorType` and body as SES v2
//! answers them; aws-ses-v2-local accepts every sender and recipient, so it
//! cannot produce them) replayed to the real SDK client, which parses them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use shop::email::Email;
use shop::mailer::{MailError, Mailer, RECIPIENT_REJECTION_FILTER, SENDER_REFUSAL_FILTER};

const FROM: &str = "Edge Shop <orders@shop.example>";
const TO: &str = "ada@example.com";

fn email() -> Email {
    Email {
        subject: "Your order".into(),
        html: "<p>Thanks</p>".into(),
        text: "Thanks".into(),
        reply_to: None,
    }
}

/// Answers every request with one recorded SES response; returns its endpoint.
fn replay(status: u16, error_type: &str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let error_type = error_type.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut request_body = vec![0; length];
            let _ = reader.read_exact(&mut request_body);
            let answer = format!(
                "HTTP/1.1 {status} Refused\r\ncontent-type: application/json\r\nx-amzn-ErrorType: {error_type}\r\nx-amzn-RequestId: 5d3b7c1e-0000-4000-8000-000000000000\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    endpoint
}

async fn mailer_at(endpoint: &str) -> Mailer {
    let sdk = standins::aws::sdk_config(endpoint).await;
    let client = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(&sdk)
            // One attempt: the classification, not the SDK's retries, is under test.
            .retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
            .build(),
    );
    Mailer::new(client, FROM)
}

async fn refusal(status: u16, error_type: &str, body: &'static str) -> MailError {
    let mailer = mailer_at(&replay(status, error_type, body)).await;
    mailer.send(TO, &email()).await.unwrap_err()
}

#[tokio::test]
async fn aws_ses_v2_local_accepts_a_send() {
    let mailer = mailer_at(&standins::services::ses().endpoint()).await;
    let id = mailer.send(TO, &email()).await.unwrap();
    assert!(!id.is_empty());
}

#[tokio::test]
async fn an_unverified_sender_is_retried_an_unverified_recipient_is_not() {
    // SES v2 in the sandbox, the From identity not (yet) verified: both are named.
    let e = refusal(
        400,
        "MessageRejected",
        r#"{"message":"Email address is not verified. The following identities failed the check in region US-EAST-1: orders@shop.example, ada@example.com"}"#,
    )
    .await;
    assert!(matches!(e, MailError::SenderRefused(_)), "{e:?}");
    assert!(e.is_retryable());
    // The sender is verified, the sandbox refuses the recipient: that mail never goes.
    let e = refusal(
        400,
        "MessageRejected",
        r#"{"message":"Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.com"}"#,
    )
    .await;
    assert!(matches!(e, MailError::Rejected(_)), "{e:?}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn access_denied_paused_and_throttled_sending_are_retried() {
    for (status, kind, body) in [
        (
            403,
            "AccessDeniedException",
            r#"{"Message":"User: arn:aws:sts::123456789012:assumed-role/edge-shop-OrderEventsRole/order-events is not authorized to perform: ses:SendEmail on resource: arn:aws:ses:us-east-1:123456789012:identity/orders@shop.example"}"#,
        ),
        (
            400,
            "SendingPausedException",
            r#"{"message":"Sending is paused for this account."}"#,
        ),
        (
            400,
            "AccountSuspendedException",
            r#"{"message":"Your account is suspended."}"#,
        ),
    ] {
        let e = refusal(status, kind, body).await;
        assert!(matches!(e, MailError::SenderRefused(_)), "{kind}: {e:?}");
        assert!(e.is_retryable(), "{kind}");
    }
    let e = refusal(
        429,
        "TooManyRequestsException",
        r#"{"message":"Maximum sending rate exceeded."}"#,
    )
    .await;
    assert!(matches!(e, MailError::Unavailable(_)), "{e:?}");
    let e = refusal(
        400,
        "BadRequestException",
        r#"{"message":"Illegal address"}"#,
    )
    .await;
    assert!(matches!(e, MailError::Rejected(_)), "{e:?}");
}

/// A `Write` into a shared buffer, for the JSON log lines.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Evaluates the one kind of CloudWatch Logs JSON filter the template uses,
/// `{ $.fields.<name> = "<value>" }`, against a log line.
fn filter_matches(filter: &str, line: &serde_json::Value) -> bool {
    let inner = filter
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let (path, value) = inner.split_once(" = ").expect("a `$.a.b = \"v\"` filter");
    let mut at = line;
    for part in path.trim_start_matches("$.").split('.') {
        at = &at[part];
    }
    at.as_str() == Some(value.trim_matches('"'))
}

#[tokio::test]
async fn refusals_are_logged_so_the_metric_filters_count_them() {
    let lines = Lines::default();
    let writer = lines.clone();
    // The JSON lines the Lambdas write (lambda_runtime::tracing::init_default_subscriber with
    // the template's LogFormat JSON): fields under `fields`.
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sender = r#"{"message":"Email address is not verified. The following identities failed the check in region US-EAST-1: orders@shop.example"}"#;
    let recipient = r#"{"message":"Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.com"}"#;
    refusal(400, "MessageRejected", sender).await;
    refusal(400, "MessageRejected", recipient).await;
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let logged: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let count = |filter: &str| logged.iter().filter(|l| filter_matches(filter, l)).count();
    assert_eq!(count(SENDER_REFUSAL_FILTER), 1, "{text}");
    assert_eq!(count(RECIPIENT_REJECTION_FILTER), 1, "{text}");
}
