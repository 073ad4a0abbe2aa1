//! Signing in with a passkey [KEY-1]: with or without a username, the same options either way;
//! the assertion signs in with login protection satisfied.

use super::registration::CredentialBody;
use super::CeremonyAnswer;
use crate::api::{json_response, ApiResult};
use crate::extract::{Json, SignInId};
use crate::sessions::sign_in_response;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::passkeys::{begin_sign_in, finish_sign_in};
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PasskeySignInBody {
    /// After a username (the keys of that account only); none: any account's passkey.
    #[serde(default)]
    username: Option<String>,
    /// Whether `username` is a passport account's (phone, email or username).
    #[serde(default)]
    passport: bool,
}

/// `POST /v1/passkey-sign-ins`: the options for `navigator.credentials.get`.
pub async fn begin(state: &AppState, Json(body): Json<PasskeySignInBody>) -> ApiResult {
    let username = body.username.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let begun = begin_sign_in(&state.services, username.map(|u| (u, body.passport))).await?;
    Ok(json_response(StatusCode::CREATED, &CeremonyAnswer::from(begun)))
}

/// `POST /v1/passkey-sign-ins/{sign_in_id}`: the session.
pub async fn finish(
    state: &AppState,
    SignInId(id): SignInId,
    Json(body): Json<CredentialBody>,
    caller: Caller,
) -> ApiResult {
    Ok(sign_in_response(&finish_sign_in(&state.services, &id, &body.credential, &caller).await?))
}
