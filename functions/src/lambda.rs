//! What every Lambda binary does: JSON logs without request bodies, the state built once, then
//! the runtime loop.

use crate::authorizer::decide;
use crate::registry::http_handler;
use crate::AppState;
use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use lambda_runtime::LambdaEvent;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub fn init_tracing() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .init();
}

async fn state() -> Result<&'static AppState, BoxError> {
    Ok(Box::leak(Box::new(AppState::from_env().await?)))
}

/// Runs the HTTP handler registered as `binary`.
pub async fn serve_http(binary: &str) -> Result<(), BoxError> {
    init_tracing();
    let handler = http_handler(binary).ok_or_else(|| format!("no handler named {binary}"))?;
    let state = state().await?;
    lambda_http::run(lambda_http::service_fn(move |req| async move {
        Ok::<_, std::convert::Infallible>(handler(state, req).await)
    }))
    .await
}

/// Runs the authorizer.
pub async fn serve_authorizer() -> Result<(), BoxError> {
    init_tracing();
    let state = state().await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| async move {
            decide(state, &event.payload).await.map_err(|fault| {
                tracing::error!(error = %fault, "authorizer fault");
                BoxError::from(fault)
            })
        },
    ))
    .await
}
