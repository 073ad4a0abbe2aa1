//! Console sessions: sign-in (with its second factor), sign-out, the sessions an owner sees.

pub mod complete_sign_in;
pub mod list_sessions;
pub mod revoke_other_sessions;
pub mod revoke_session;
pub mod send_sign_in_code;
pub mod sign_in;
pub mod sign_out;
pub mod sms_sign_in;

use crate::api::json_response;
use chrono::{DateTime, Utc};
use http::StatusCode;
use lambda_http::{Body, Response};
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::security::Factor;
use shared::usecases::sign_in::{SignInOutcome, SignedIn};

/// A sign-in's answer: `201` with the session, or under login protection `202` with the pending
/// sign-in naming the factors that may complete it [LOGIN-3].
pub(crate) fn sign_in_response(outcome: &SignInOutcome) -> Response<Body> {
    match outcome {
        SignInOutcome::SignedIn(s) => json_response(StatusCode::CREATED, &session_body(s)),
        SignInOutcome::SecondFactorRequired { flow_id, factors, expires_at } => {
            let pending = Pending::SecondFactor {
                second_factor_required: true,
                sign_in_id: flow_id.as_str().to_owned(),
                factors: factors.clone(),
                expires_at: *expires_at,
            };
            json_response(StatusCode::ACCEPTED, &pending)
        }
        SignInOutcome::MfaBindingRequired { flow_id, expires_at } => {
            let pending = Pending::MfaBinding {
                mfa_binding_required: true,
                sign_in_id: flow_id.as_str().to_owned(),
                expires_at: *expires_at,
            };
            json_response(StatusCode::ACCEPTED, &pending)
        }
    }
}

/// The token type of every session.
#[derive(Serialize, JsonSchema)]
pub enum TokenType {
    Bearer,
}

/// A new session, whichever way it was signed in.
#[derive(Serialize, JsonSchema)]
pub struct SessionAnswer {
    access_token: String,
    token_type: TokenType,
    account_id: String,
    /// A passport or legacy account must accept the agreements first [REG-4].
    activation_required: bool,
    session: SessionInfo,
}

#[derive(Serialize, JsonSchema)]
pub struct SessionInfo {
    id: String,
    idle_timeout_seconds: i64,
    expires_at: DateTime<Utc>,
}

/// The body of a new session, whichever way it was signed in.
pub(crate) fn session_body(s: &SignedIn) -> SessionAnswer {
    SessionAnswer {
        access_token: s.access_token.expose().clone(),
        token_type: TokenType::Bearer,
        account_id: s.account_id.as_str().to_owned(),
        activation_required: s.activation_pending,
        session: SessionInfo {
            id: s.session_id.as_str().to_owned(),
            idle_timeout_seconds: s.idle_timeout_secs,
            expires_at: s.expires_at,
        },
    }
}

/// A sign-in that a second step completes [LOGIN-3, LOGIN-5].
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Pending {
    /// A second factor, one of `factors`.
    SecondFactor { second_factor_required: bool, sign_in_id: String, factors: Vec<Factor>, expires_at: DateTime<Utc> },
    /// A sub-user whose main account requires 2FA binds a virtual MFA device first.
    MfaBinding { mfa_binding_required: bool, sign_in_id: String, expires_at: DateTime<Utc> },
}
