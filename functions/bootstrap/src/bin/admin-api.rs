//! The admin API Lambda: state from the environment, then [`functions::admin::router`].

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let state = bootstrap::state::admin_state().await?;
    lambda_http::run(functions::admin::router(state)).await
}
