//! The smallest Rust Lambda (answers `{"hello":"world"}`): the init-time baseline.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, lambda_runtime::Error>(json!({ "hello": "world" }))
    }))
    .await
}
