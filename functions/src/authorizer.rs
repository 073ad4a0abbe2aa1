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
use shared::domain::ids::{AccountId, SessionId};
use shared::domain::session::Principal;
use shared::usecases::sessions::authorize;
use shared::Error;

pub type Decision = ApiGatewayV2CustomAuthorizerSimpleResponse<Value>;

/// What the authorizer passes to the handlers, written here and read by [`AuthorizerContext::principal`]
/// (API Gateway carries the context's values as strings).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct AuthorizerContext {
    pub authenticated: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub session_id: String,
    /// The credential the session signed in with (its text form).
    #[serde(default)]
    pub login_key: String,
    /// Unix seconds, or empty.
    #[serde(default)]
    pub step_up_until: String,
    #[serde(default)]
    pub activation_pending: String,
}

impl AuthorizerContext {
    pub fn of(p: &Principal) -> Self {
        AuthorizerContext {
            authenticated: "true".into(),
            account_id: p.account_id.to_string(),
            session_id: p.session_id.to_string(),
            login_key: p.credential.to_string(),
            step_up_until: p.step_up_until.map(|t| t.timestamp().to_string()).unwrap_or_default(),
            activation_pending: p.activation_pending.to_string(),
        }
    }

    /// The principal, if the request was authenticated.
    pub fn principal(&self) -> Option<Principal> {
        if self.authenticated != "true" || self.account_id.is_empty() || self.session_id.is_empty() {
            return None;
        }
        Some(Principal {
            account_id: AccountId::from_raw(self.account_id.as_str()),
            session_id: SessionId::from_raw(self.session_id.as_str()),
            credential: self.login_key.parse().ok()?,
            step_up_until: self.step_up_until.parse().ok().and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
            activation_pending: self.activation_pending == "true",
        })
    }
}

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
            Ok(p) => serde_json::to_value(AuthorizerContext::of(&p))
                .map_err(|e| Error::internal("encode authorizer context", e))?,
            Err(Error::Unauthenticated) => json!({ "authenticated": "false" }),
            Err(fault) => return Err(fault),
        },
    };
    let mut decision = Decision::default();
    decision.is_authorized = true;
    decision.context = context;
    Ok(decision)
}
