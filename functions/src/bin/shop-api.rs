//! The shopper API Lambda: state from the environment, then [`functions::shopper::router`].

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::config::init_tracing();
    let state = functions::config::shopper_state().await?;
    lambda_http::run(functions::shopper::router(state)).await
}
