//! A step-up by passkey [KEY-2]: where the owner chose a passkey for operation protection,
//! `POST /v1/step-up/passkey` begins the ceremony on the signed-in session and
//! `POST /v1/step-up/passkey/{ceremony_id}` finishes it with the assertion of one of the
//! account's own passkeys; sensitive operations are then allowed for five minutes, as after
//! `POST /v1/step-up`.

use super::registration::CredentialBody;
use super::CeremonyAnswer;
use crate::api::{json_response, ApiResult};
use crate::extract::{AuthedUser, CeremonyId, Json};
use crate::AppState;
use http::StatusCode;
use shared::usecases::passkeys::{begin_step_up, finish_step_up};

/// `POST /v1/step-up/passkey`: the options for `navigator.credentials.get`.
pub async fn begin(state: &AppState, AuthedUser(principal): AuthedUser) -> ApiResult {
    let begun = begin_step_up(&state.services, &principal).await?;
    Ok(json_response(StatusCode::CREATED, &CeremonyAnswer::from(begun)))
}

/// `POST /v1/step-up/passkey/{ceremony_id}`: the step-up's end time.
pub async fn finish(
    state: &AppState,
    AuthedUser(principal): AuthedUser,
    CeremonyId(id): CeremonyId,
    Json(body): Json<CredentialBody>,
) -> ApiResult {
    let until = finish_step_up(&state.services, &principal, &id, &body.credential).await?;
    Ok(json_response(StatusCode::CREATED, &crate::answers::SteppedUp { step_up_expires_at: until }))
}
