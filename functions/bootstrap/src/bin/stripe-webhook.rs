//! The Stripe webhook Lambda: state from the environment, then [`functions::webhook::router`].

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let state = bootstrap::state::webhook_state().await?;
    lambda_http::run(functions::webhook::router(state)).await
}
