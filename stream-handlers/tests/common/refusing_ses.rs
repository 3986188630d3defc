//! Failure injection for SES: a pass-through in front of aws-ses-v2-local that refuses one
//! recipient, as SES does (aws-ses-v2-local accepts every address). Everything else reaches
//! the stand-in untouched, so the other emails of the same handler are really sent.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use shop::mailer::Mailer;

/// How the refused recipient is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// For good: `MessageRejected` naming the address, SES sandbox's answer for an
    /// unverified recipient (the mailer records it as rejected).
    ForGood,
    /// For now: `TooManyRequestsException` (the mailer retries the record).
    ForNow,
}

/// A mailer (from the same address as the test world's) whose SES refuses `recipient`.
pub(crate) async fn mailer_refusing(recipient: &str, refusal: Refusal) -> Mailer {
    let ses = standins::services::ses().endpoint();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let recipient = recipient.to_owned();
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (ses, recipient, http) = (ses.clone(), recipient.clone(), http.clone());
            async move {
                pass_or_refuse(&ses, &recipient, refusal, &http, method, uri, headers, body).await
            }
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    let conf = standins::aws::sdk_config(&endpoint).await;
    stream_handlers::order_events::mailer(
        aws_sdk_sesv2::Client::new(&conf),
        "shop@example.com",
        &super::letterhead(),
    )
}

#[allow(clippy::too_many_arguments)]
async fn pass_or_refuse(
    ses: &str,
    recipient: &str,
    refusal: Refusal,
    http: &reqwest::Client,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let to: Vec<String> = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| serde_json::from_value(v["Destination"]["ToAddresses"].clone()).ok())
        .unwrap_or_default();
    if to.iter().any(|t| t == recipient) {
        let (status, kind, message) = match refusal {
            Refusal::ForGood => (
                StatusCode::BAD_REQUEST,
                "MessageRejected",
                format!(
                    "Email address is not verified. The following identities failed the check in region US-EAST-1: {recipient}"
                ),
            ),
            Refusal::ForNow => (
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsException",
                "Too many requests".to_owned(),
            ),
        };
        return (
            status,
            [
                ("x-amzn-errortype", kind),
                ("content-type", "application/json"),
            ],
            serde_json::json!({ "message": message }).to_string(),
        )
            .into_response();
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = http.request(method, format!("{ses}{path}")).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let answer = request.send().await.expect("aws-ses-v2-local answers");
    let status = StatusCode::from_u16(answer.status().as_u16()).expect("status");
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let bytes = answer.bytes().await.expect("body");
    (status, [("content-type", content_type)], bytes).into_response()
}
