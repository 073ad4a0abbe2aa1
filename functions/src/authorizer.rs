//! The Lambda authorizer of the HTTP API (payload 2.0, simple responses). It verifies the bearer
//! token and that its session is alive, and passes the principal to the handlers.
//!
//! It never denies: API Gateway would answer a denial with a bare 403. Instead it marks the
//! request unauthenticated and the handler's [`crate::api::principal`] refuses it with our own
//! `401 UNAUTHENTICATED`, so clients see one error format. A missing `Authorization` header is
//! refused by API Gateway itself (401) before the authorizer runs.

use crate::AppState;
use aws_lambda_events::apigw::{ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request};
use serde_json::{json, Value};
use shared::usecases::sessions::authorize;
use shared::Error;

pub type Decision = ApiGatewayV2CustomAuthorizerSimpleResponse<Value>;

fn bearer(event: &ApiGatewayV2CustomAuthorizerV2Request) -> Option<&str> {
    let value = event.headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// Decides a request. `Err` only for an unexpected fault (API Gateway answers 500).
pub async fn decide(state: &AppState, event: &ApiGatewayV2CustomAuthorizerV2Request) -> Result<Decision, Error> {
    let context = match bearer(event) {
        None => json!({ "authenticated": "false" }),
        Some(token) => match authorize(&state.services, token).await {
            Ok(p) => json!({
                "authenticated": "true",
                "account_id": p.account_id,
                "session_id": p.session_id,
                "login_key": p.login_key,
                "step_up_until": p.step_up_until.map(|t| t.timestamp().to_string()).unwrap_or_default(),
                "activation_pending": p.activation_pending.to_string(),
            }),
            Err(Error::Unauthenticated) => json!({ "authenticated": "false" }),
            Err(fault) => return Err(fault),
        },
    };
    let mut decision = Decision::default();
    decision.is_authorized = true;
    decision.context = context;
    Ok(decision)
}
