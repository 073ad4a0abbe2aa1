//! Registering a passkey and listing them [KEY-1].

use super::{CeremonyAnswer, PasskeyAnswer, PasskeysAnswer};
use crate::api::{json_response, ApiResult};
use crate::extract::{AuthedUser, Json, PasskeyId, RegistrationId};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::passkey::MAX_PASSKEYS;
use shared::usecases::passkeys::{
    begin_registration, finish_registration, my_passkeys, remove_passkey, rename_passkey,
};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyNameBody {
    /// What the owner calls it ("Work laptop"): 1 to 64 characters.
    name: String,
}

/// `POST /v1/passkeys/registrations`: the options for `navigator.credentials.create`.
pub async fn begin(
    state: &AppState,
    AuthedUser(principal): AuthedUser,
    Json(body): Json<PasskeyNameBody>,
) -> ApiResult {
    let begun = begin_registration(&state.services, &principal, &body.name).await?;
    Ok(json_response(StatusCode::CREATED, &CeremonyAnswer::from(begun)))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialBody {
    /// The `PublicKeyCredential` the browser gave (its JSON form, binary fields base64url).
    pub(crate) credential: serde_json::Value,
}

/// `POST /v1/passkeys/registrations/{registration_id}`: the passkey registered.
pub async fn finish(
    state: &AppState,
    AuthedUser(principal): AuthedUser,
    RegistrationId(id): RegistrationId,
    Json(body): Json<CredentialBody>,
) -> ApiResult {
    let passkey = finish_registration(&state.services, &principal, &id, &body.credential).await?;
    Ok(json_response(StatusCode::CREATED, &PasskeyAnswer::from(&passkey)))
}

/// `GET /v1/passkeys`: the account's passkeys, oldest first.
pub async fn list(state: &AppState, AuthedUser(principal): AuthedUser) -> ApiResult {
    let passkeys = my_passkeys(&state.services, &principal).await?;
    let answer = PasskeysAnswer { passkeys: passkeys.iter().map(PasskeyAnswer::from).collect(), limit: MAX_PASSKEYS };
    Ok(json_response(StatusCode::OK, &answer))
}

/// `PUT /v1/passkeys/{passkey_id}`: a new name.
pub async fn rename(
    state: &AppState,
    AuthedUser(principal): AuthedUser,
    PasskeyId(id): PasskeyId,
    Json(body): Json<PasskeyNameBody>,
) -> ApiResult {
    let passkey = rename_passkey(&state.services, &principal, &id, &body.name).await?;
    Ok(json_response(StatusCode::OK, &PasskeyAnswer::from(&passkey)))
}

/// `DELETE /v1/passkeys/{passkey_id}`: removed (under operation protection).
pub async fn remove(state: &AppState, AuthedUser(principal): AuthedUser, PasskeyId(id): PasskeyId) -> ApiResult {
    remove_passkey(&state.services, &principal, &id).await?;
    Ok(crate::api::no_content())
}
