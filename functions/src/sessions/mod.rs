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
use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{json, Value};
use shared::usecases::sign_in::{SignInOutcome, SignedIn};

/// A sign-in's answer: `201` with the session, or under login protection `202` with the pending
/// sign-in naming the factors that may complete it [LOGIN-3].
pub(crate) fn sign_in_response(outcome: &SignInOutcome) -> Response<Body> {
    match outcome {
        SignInOutcome::SignedIn(s) => json_response(StatusCode::CREATED, &session_body(s)),
        SignInOutcome::SecondFactorRequired { flow_id, factors, expires_at } => json_response(
            StatusCode::ACCEPTED,
            &json!({
                "second_factor_required": true,
                "sign_in_id": flow_id,
                "factors": factors,
                "expires_at": expires_at.to_rfc3339(),
            }),
        ),
        SignInOutcome::MfaBindingRequired { flow_id, expires_at } => json_response(
            StatusCode::ACCEPTED,
            &json!({
                "mfa_binding_required": true,
                "sign_in_id": flow_id,
                "expires_at": expires_at.to_rfc3339(),
            }),
        ),
    }
}

/// The body of a new session, whichever way it was signed in.
pub(crate) fn session_body(s: &SignedIn) -> Value {
    json!({
        "access_token": s.access_token,
        "token_type": "Bearer",
        "account_id": s.account_id,
        "activation_required": s.activation_pending,
        "session": {
            "id": s.session_id,
            "idle_timeout_seconds": s.idle_timeout_secs,
            "expires_at": s.expires_at.to_rfc3339(),
        },
    })
}
