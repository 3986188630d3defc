//! The custom resource answers CloudFormation before its invocation's deadline, whatever the
//! work does: a Cognito endpoint that accepts the connection and never answers stands for a
//! call that hangs; the response URL is a listener on loopback that records the answer.

use std::time::Duration;

use edge_config::resource::{Clients, handle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// Accepts connections and never answers them.
async fn silent_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

/// Records one HTTP request's body and answers 200.
async fn response_url() -> (String, tokio::sync::oneshot::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = socket.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    let _ = tx.send(body.to_owned());
                    return;
                }
            }
            if n == 0 {
                return;
            }
        }
    });
    (format!("http://{addr}/answer?X-Amz-Signature=x"), rx)
}

#[tokio::test]
async fn a_hanging_call_is_answered_failed_before_the_deadline() {
    let cognito_endpoint = silent_endpoint().await;
    let conf = shop::config::sdk_loader()
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(&cognito_endpoint)
        .load()
        .await;
    let clients = Clients {
        lambda: aws_sdk_lambda::Client::new(&conf).into(),
        cognito: aws_sdk_cognitoidentityprovider::Client::new(&conf).into(),
        http: reqwest::Client::new(),
        answer_margin: Duration::from_millis(500),
    };
    let (url, answer) = response_url().await;
    let payload = serde_json::json!({
        "RequestType": "Update",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/edge-shop/1",
        "RequestId": "r-1",
        "LogicalResourceId": "ClientUrls",
        "PhysicalResourceId": "client:urls",
        "ResourceType": "Custom::UserPoolClientUrls",
        "ResourceProperties": {
            "UserPoolId": "us-east-1_Example", "ClientId": "client",
            "CallbackUrl": "https://d111.cloudfront.net/auth/callback",
            "LogoutUrl": "https://d111.cloudfront.net/"
        }
    });
    let started = Instant::now();
    let deadline = started + Duration::from_secs(2);
    handle(&clients, payload, deadline).await.unwrap();
    assert!(Instant::now() <= deadline, "answered after the deadline");
    let body: serde_json::Value = serde_json::from_str(&answer.await.unwrap()).unwrap();
    assert_eq!(body["Status"], "FAILED", "{body}");
    assert!(
        body["Reason"].as_str().unwrap().contains("ran out of time"),
        "{body}"
    );
    assert_eq!(body["RequestId"], "r-1");
}
