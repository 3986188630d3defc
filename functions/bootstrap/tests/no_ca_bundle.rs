//! No Lambda reads a CA bundle at start: `shop-api` is run under `strace -f -e trace=open,openat`
//! through its init (which reads the Stripe key from SSM: an SDK request, so the SDK's HTTPS
//! client and its trust store are built) and its first event, served by a small emulation of
//! the Lambda runtime API; no file under `/etc/ssl`, `/etc/pki` or named like a CA bundle may be
//! opened. The trust store is compiled in (`shop::config::trusted_roots`); reading the
//! platform's was most of a cold start. `make bench-init` runs the same check on every function.
//!
//! Needs `strace` (installed by `tools/apt.sh`, part of `make deps`).

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::Notify;

/// What the emulation saw.
#[derive(Default)]
struct Seen {
    events_served: usize,
    ssm_calls: usize,
    answer: Option<String>,
}

#[derive(Clone, Default)]
struct Emulator {
    seen: Arc<Mutex<Seen>>,
    answered: Arc<Notify>,
}

/// The runtime API's `/next`: one event (`GET /api/me` as a signed-in shopper), then nothing.
async fn next(State(em): State<Emulator>) -> impl IntoResponse {
    let first = {
        let mut seen = em.seen.lock().unwrap();
        seen.events_served += 1;
        seen.events_served == 1
    };
    if !first {
        std::future::pending::<()>().await;
    }
    let event = serde_json::json!({
        "version": "2.0", "routeKey": "GET /api/me", "rawPath": "/api/me", "rawQueryString": "",
        "headers": {"host": "localhost"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": "localhost",
            "domainPrefix": "local", "requestId": "strace", "routeKey": "GET /api/me",
            "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 1767225600000u64,
            "http": {"method": "GET", "path": "/api/me", "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "test"},
            "authorizer": {"jwt": {"claims": {"sub": "00000000-0000-0000-0000-000000000000",
                                              "username": "u", "token_use": "access"},
                                   "scopes": null}}
        },
        "isBase64Encoded": false
    });
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 60_000;
    (
        [
            ("lambda-runtime-aws-request-id", "strace-1".to_owned()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:shop-api".to_owned(),
            ),
            ("content-type", "application/json".to_owned()),
        ],
        event.to_string(),
    )
}

/// `/response` or `/error`: the first event was handled.
async fn answered(State(em): State<Emulator>, body: String) -> StatusCode {
    em.seen.lock().unwrap().answer = Some(body);
    em.answered.notify_one();
    StatusCode::ACCEPTED
}

/// SSM's `GetParameter` (the SDK posts JSON to `/` with an `x-amz-target` header).
async fn ssm(State(em): State<Emulator>, headers: HeaderMap) -> impl IntoResponse {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let json = [("content-type", "application/x-amz-json-1.1")];
    if target != "AmazonSSM.GetParameter" {
        return (StatusCode::NOT_FOUND, json, String::new());
    }
    em.seen.lock().unwrap().ssm_calls += 1;
    let body = serde_json::json!({"Parameter": {"Name": "/test/stripe", "Type": "SecureString",
                                                "Value": "sk_test_strace", "Version": 1}});
    (StatusCode::OK, json, body.to_string())
}

/// A path a trust store would be read from.
fn is_ca_path(path: &str) -> bool {
    path.starts_with("/etc/ssl")
        || path.starts_with("/etc/pki")
        || path.starts_with("/usr/share/ca-certificates")
        || path.starts_with("/usr/local/share/ca-certificates")
        || path.contains("ca-certificates.crt")
        || path.contains("ca-bundle")
}

/// The paths opened in an `strace` output file (the quoted first string of each open call).
fn opened(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| l.contains("open"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
        .collect()
}

/// A fresh file for strace's output, in the system's temporary folder.
fn trace_file(tag: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "no-ca-bundle-{tag}-{}-{nanos}.trace",
        std::process::id()
    ))
}

fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The checker itself finds a CA bundle read (so the test below can fail).
#[test]
fn the_check_sees_a_ca_bundle_read() {
    assert!(
        strace_available(),
        "strace is missing: run tools/apt.sh (make deps)"
    );
    let out = trace_file("ls");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=open,openat", "-o"])
        .arg(&out)
        .args(["ls", "/etc/ssl/certs/"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let paths = opened(&std::fs::read_to_string(&out).unwrap());
    let _ = std::fs::remove_file(&out);
    assert!(paths.iter().any(|p| is_ca_path(p)), "{paths:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn shop_api_opens_no_ca_bundle_through_init_and_its_first_event() {
    assert!(
        strace_available(),
        "strace is missing: run tools/apt.sh (make deps)"
    );
    let em = Emulator::default();
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(answered),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(answered))
        .route("/2018-06-01/runtime/init/error", post(answered))
        .route("/", post(ssm))
        .with_state(em.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let out = trace_file("ls");
    let api = addr.to_string();
    let local = format!("http://{addr}");
    let nowhere = "http://127.0.0.1:9";
    let mut child = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=open,openat", "-o"])
        .arg(&out)
        .arg(env!("CARGO_BIN_EXE_shop-api"))
        .env_clear()
        .envs([
            ("PATH", "/usr/bin:/bin"),
            ("AWS_LAMBDA_RUNTIME_API", api.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", "shop-api"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "test"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ENDPOINT_URL", nowhere),
            ("DYNAMODB_ENDPOINT", nowhere),
            ("SSM_ENDPOINT", local.as_str()),
            ("STRIPE_SECRET_PARAM", "/test/stripe"),
            ("STRIPE_API_BASE", nowhere),
            ("TABLE_NAME", "test-table"),
            ("USER_POOL_ID", "us-east-1_test"),
            ("RUST_LOG", "warn"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let handled = tokio::time::timeout(Duration::from_secs(60), em.answered.notified()).await;
    // Stop the traced process (strace's child), then strace ends too.
    let pid = child.id();
    if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
        for traced in children.split_whitespace() {
            let _ = Command::new("kill").args(["-9", traced]).status();
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(handled.is_ok(), "shop-api answered no event within 60 s");
    let seen = em.seen.lock().unwrap();
    assert_eq!(seen.ssm_calls, 1, "init reads the Stripe key from SSM once");
    assert!(seen.answer.is_some());

    let paths = opened(&std::fs::read_to_string(&out).unwrap());
    let _ = std::fs::remove_file(&out);
    assert!(!paths.is_empty(), "strace recorded no open at all");
    let ca: Vec<&String> = paths.iter().filter(|p| is_ca_path(p)).collect();
    assert!(ca.is_empty(), "shop-api opened {ca:?}");
}
