//! A pending sign-in's second factor by passkey [KEY-2]: where the owner chose a passkey for
//! login protection, `POST /v1/sessions/second-factor/passkey` begins the ceremony for the
//! pending sign-in and `POST /v1/sessions/second-factor/passkey/{ceremony_id}` finishes it with
//! the assertion of one of that account's passkeys: the session, as `POST
//! /v1/sessions/second-factor` gives it.

use super::registration::CredentialBody;
use super::CeremonyAnswer;
use crate::api::{json_response, ApiResult};
use crate::extract::{CeremonyId, Json};
use crate::sessions::session_body;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::passkeys::{begin_second_factor, finish_second_factor};
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PasskeySecondFactorBody")]
pub struct BeginBody {
    /// The pending sign-in (`sign_in_id` of the `202` answer).
    sign_in_id: shared::domain::ids::FlowId,
}

/// `POST /v1/sessions/second-factor/passkey`: the options for `navigator.credentials.get`.
pub async fn begin(state: &AppState, Json(b): Json<BeginBody>) -> ApiResult {
    let begun = begin_second_factor(&state.services, &b.sign_in_id).await?;
    Ok(json_response(StatusCode::CREATED, &CeremonyAnswer::from(begun)))
}

/// `POST /v1/sessions/second-factor/passkey/{ceremony_id}`: the session.
pub async fn finish(
    state: &AppState,
    CeremonyId(id): CeremonyId,
    Json(body): Json<CredentialBody>,
    caller: Caller,
) -> ApiResult {
    let signed_in = finish_second_factor(&state.services, &id, &body.credential, &caller).await?;
    Ok(json_response(StatusCode::CREATED, &session_body(&signed_in)))
}
