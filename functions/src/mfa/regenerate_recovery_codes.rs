//! `POST /v1/mfa/recovery-codes`: ten new recovery codes replace the old; needs a step-up.

use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use shared::usecases::security::regenerate_recovery_codes;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let codes = regenerate_recovery_codes(&state.services, &principal).await?;
    Ok(json_response(StatusCode::CREATED, &crate::answers::RecoveryCodes { recovery_codes: codes }))
}
