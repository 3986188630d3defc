//! The admin API Lambda: state from the environment, then [`functions::admin::router`].

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::config::init_tracing();
    let state = functions::config::admin_state().await?;
    lambda_http::run(functions::admin::router(state)).await
}
