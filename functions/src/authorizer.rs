//! The Lambda authorizer of the HTTP API (payload 2.0, simple responses). It verifies the bearer
//! token and that its session is alive, and passes the principal to the handlers in an
//! [`AuthorizerContext`], the one struct that both writes the context here and reads it in the
//! handlers' [`crate::extract::Authed`].
//!
//! It never denies: API Gateway would answer a denial with a bare 403. Instead it marks the
//! request unauthenticated and the handler's `Authed` extractor refuses it with our own
//! `401 UNAUTHENTICATED`, so clients see one error format. A missing `Authorization` header is
//! refused by API Gateway itself (401) before the authorizer runs.

use crate::AppState;
use aws_lambda_events::apigw::{ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use shared::domain::ids::{AccountId, SessionId};
use shared::domain::login::CredentialRef;
use shared::domain::session::Principal;
use shared::usecases::sessions::authorize;
use shared::Error;
use std::collections::HashMap;

pub type Decision = ApiGatewayV2CustomAuthorizerSimpleResponse<AuthorizerContext>;

/// What the authorizer tells the handlers (`requestContext.authorizer.lambda`). API Gateway
/// passes string values, so every field is a string on the wire:
/// `{"authenticated": "false"}`, or `{"authenticated": "true", "account_id", "session_id",
/// "login_key", "step_up_until": "<unix seconds>" or "", "activation_pending": "true" | "false"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizerContext {
    #[serde(with = "text_bool")]
    pub authenticated: bool,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionContext>,
}

/// The session behind an authenticated request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionContext {
    pub account_id: AccountId,
    pub session_id: SessionId,
    /// The credential the session signed in with, in its text form.
    pub login_key: CredentialRef,
    #[serde(default, with = "text_epoch")]
    pub step_up_until: Option<DateTime<Utc>>,
    #[serde(default, with = "text_bool")]
    pub activation_pending: bool,
}

impl AuthorizerContext {
    pub fn unauthenticated() -> Self {
        AuthorizerContext { authenticated: false, session: None }
    }

    pub fn authenticated(p: Principal) -> Self {
        AuthorizerContext {
            authenticated: true,
            session: Some(SessionContext {
                account_id: p.account_id,
                session_id: p.session_id,
                login_key: p.credential,
                step_up_until: p.step_up_until,
                activation_pending: p.activation_pending,
            }),
        }
    }

    /// Reads the context API Gateway passed on (`None` if it is not one the authorizer wrote).
    pub fn read(fields: &HashMap<String, Value>) -> Option<Self> {
        serde_json::from_value(Value::Object(fields.clone().into_iter().collect())).ok()
    }

    /// The principal, if the authorizer authenticated the request.
    pub fn principal(self) -> Option<Principal> {
        let s = self.session.filter(|_| self.authenticated)?;
        let present = !s.account_id.as_str().is_empty() && !s.session_id.as_str().is_empty();
        present.then_some(Principal {
            account_id: s.account_id,
            session_id: s.session_id,
            credential: s.login_key,
            step_up_until: s.step_up_until,
            activation_pending: s.activation_pending,
        })
    }
}

/// `"true"` / `"false"` (anything but `"true"` reads as false).
mod text_bool {
    use super::*;

    pub fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if *v { "true" } else { "false" })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(Value::deserialize(d)?.as_str() == Some("true"))
    }
}

/// Unix seconds as a string, `""` for none (anything else reads as none).
mod text_epoch {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.map(|t| t.timestamp().to_string()).unwrap_or_default())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(v.as_str().and_then(|t| t.parse().ok()).and_then(|t| DateTime::from_timestamp(t, 0)))
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
        None => AuthorizerContext::unauthenticated(),
        Some(token) => match authorize(&state.services, token).await {
            Ok(p) => AuthorizerContext::authenticated(p),
            Err(Error::Unauthenticated) => AuthorizerContext::unauthenticated(),
            Err(fault) => return Err(fault),
        },
    };
    let mut decision = Decision::default();
    decision.is_authorized = true;
    decision.context = context;
    Ok(decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn principal(step_up: Option<i64>, pending: bool) -> Principal {
        Principal {
            account_id: AccountId::from_raw("100000000001"),
            session_id: SessionId::from_raw("s1"),
            credential: CredentialRef::Cloud("alice".into()),
            step_up_until: step_up.and_then(|t| DateTime::from_timestamp(t, 0)),
            activation_pending: pending,
        }
    }

    fn fields(v: Value) -> HashMap<String, Value> {
        v.as_object().unwrap().clone().into_iter().collect()
    }

    #[test]
    fn the_wire_keys_are_those_api_gateway_passes_on() {
        assert_eq!(
            serde_json::to_value(AuthorizerContext::unauthenticated()).unwrap(),
            json!({"authenticated": "false"})
        );
        assert_eq!(
            serde_json::to_value(AuthorizerContext::authenticated(principal(Some(1_700_000_000), false))).unwrap(),
            json!({
                "authenticated": "true", "account_id": "100000000001", "session_id": "s1", "login_key": "cloud:alice",
                "step_up_until": "1700000000", "activation_pending": "false",
            })
        );
        assert_eq!(
            serde_json::to_value(AuthorizerContext::authenticated(principal(None, true))).unwrap()["step_up_until"],
            json!("")
        );
    }

    #[test]
    fn what_is_written_reads_back_as_the_same_principal() {
        for p in [principal(Some(1_700_000_000), false), principal(None, true)] {
            let wire = serde_json::to_value(AuthorizerContext::authenticated(p.clone())).unwrap();
            assert_eq!(AuthorizerContext::read(&fields(wire)).and_then(AuthorizerContext::principal), Some(p));
        }
        let wire = serde_json::to_value(AuthorizerContext::unauthenticated()).unwrap();
        assert_eq!(AuthorizerContext::read(&fields(wire)).and_then(AuthorizerContext::principal), None);
    }

    #[test]
    fn anything_else_is_no_principal() {
        let read = |v: Value| AuthorizerContext::read(&fields(v)).and_then(AuthorizerContext::principal);
        let full = json!({"authenticated": "true", "account_id": "a", "session_id": "s", "login_key": "cloud:k",
            "step_up_until": "soon", "activation_pending": "yes"});
        let p = read(full.clone()).unwrap();
        assert_eq!((p.step_up_until, p.activation_pending), (None, false));
        for (key, value) in [("authenticated", json!("false")), ("account_id", json!("")), ("session_id", json!(7))] {
            let mut v = full.clone();
            v[key] = value;
            assert_eq!(read(v), None, "{key}");
        }
        let mut v = full.clone();
        v.as_object_mut().unwrap().remove("login_key");
        assert_eq!(read(v), None);
        assert_eq!(read(json!({})), None);
    }
}
