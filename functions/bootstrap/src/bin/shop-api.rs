//! The shopper API Lambda: state from the environment, then [`functions::shopper::router`].

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let state = bootstrap::state::shopper_state().await?;
    lambda_http::run(functions::shopper::router(state)).await
}
