//! `POST /v1/mfa/totp`: start binding a virtual MFA device: the secret, the otpauth URI and a QR
//! code image (SVG data URI) [MFA-3]; needs a step-up.

use super::binding_body;
use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use shared::usecases::security::start_totp_binding;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let started = start_totp_binding(&state.services, &principal).await?;
    Ok(json_response(StatusCode::CREATED, &binding_body(&started)))
}
