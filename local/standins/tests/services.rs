//! Each stand-in starts, listens on loopback only, and answers one real SDK or HTTP call from Rust.

use standins::services;

/// True when the port is bound to 127.0.0.1 only (not 0.0.0.0 or ::).
fn listens_on_loopback_only(port: u16) -> bool {
    let out = std::process::Command::new("ss")
        .args(["-Hltn", &format!("sport = :{port}")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let locals: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    !locals.is_empty() && locals.iter().all(|a| a.contains("127.0.0.1"))
}

#[tokio::test]
async fn dynamodb_local_creates_and_lists_a_table() {
    let ddb = services::dynamodb();
    assert!(
        listens_on_loopback_only(ddb.port()),
        "DynamoDB Local must bind 127.0.0.1 only"
    );
    let client = standins::aws::dynamodb_client(&ddb.endpoint()).await;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        StreamSpecification, StreamViewType,
    };
    client
        .create_table()
        .table_name("services-test")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let tables = client.list_tables().send().await.unwrap();
    assert!(tables.table_names().contains(&"services-test".to_string()));
    let described = client
        .describe_table()
        .table_name("services-test")
        .send()
        .await
        .unwrap();
    let stream = described.table().and_then(|t| t.latest_stream_arn());
    assert!(stream.is_some(), "the table has a stream");
}

#[tokio::test]
async fn cognito_local_creates_a_user_pool() {
    let cognito = services::cognito();
    assert!(listens_on_loopback_only(cognito.port()));
    let conf = standins::aws::sdk_config(&cognito.endpoint()).await;
    let client = aws_sdk_cognitoidentityprovider::Client::new(&conf);
    let pool = client
        .create_user_pool()
        .pool_name("services-test")
        .send()
        .await
        .unwrap();
    let id = pool.user_pool().and_then(|p| p.id()).unwrap().to_owned();
    let listed = client
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .user_pools()
            .iter()
            .any(|p| p.id() == Some(id.as_str()))
    );
}

#[tokio::test]
async fn ses_local_stores_a_sent_email() {
    let ses = services::ses();
    assert!(listens_on_loopback_only(ses.port()));
    let conf = standins::aws::sdk_config(&ses.endpoint()).await;
    let client = aws_sdk_sesv2::Client::new(&conf);
    use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
    let content = |s: &str| Content::builder().data(s).build().unwrap();
    client
        .send_email()
        .from_email_address("shop@example.com")
        .destination(
            Destination::builder()
                .to_addresses("buyer@example.com")
                .build(),
        )
        .content(
            EmailContent::builder()
                .simple(
                    Message::builder()
                        .subject(content("Hello"))
                        .body(Body::builder().text(content("Hi")).build())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let store: serde_json::Value = reqwest::get(format!("{}/store", ses.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails = store["emails"].as_array().unwrap();
    assert!(emails.iter().any(|e| e["subject"] == "Hello"), "{store}");
}

#[tokio::test]
async fn localstripe_creates_a_customer() {
    let stripe = services::stripe();
    assert!(listens_on_loopback_only(stripe.port()));
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/customers", stripe.endpoint()))
        .basic_auth("sk_test_local", Some(""))
        .form(&[("email", "buyer@example.com")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let customer: serde_json::Value = resp.json().await.unwrap();
    assert!(customer["id"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(customer["email"], "buyer@example.com");
}

#[tokio::test]
async fn moto_serves_s3() {
    let moto = services::moto();
    assert!(listens_on_loopback_only(moto.port()));
    let conf = standins::aws::sdk_config(&moto.endpoint()).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("services-test")
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket("services-test")
        .key("a.txt")
        .body(b"hello".to_vec().into())
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("services-test")
        .key("a.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"hello"
    );
}

#[test]
fn a_failed_start_names_the_service_and_command() {
    use standins::process::{Service, Spec};
    let err = Service::start(Spec {
        name: "broken stand-in",
        port: standins::process::free_port().unwrap(),
        program: "false",
        args: vec![],
        env: vec![],
        in_temp_dir: true,
        ready_timeout: std::time::Duration::from_secs(5),
    })
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("broken stand-in") && msg.contains("false") && msg.contains("exited"),
        "{msg}"
    );
}
