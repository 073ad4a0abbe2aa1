//! `POST /v1/mfa/totp`: start binding a virtual MFA device: the secret, the otpauth URI and a QR
//! code image (SVG data URI) [MFA-3]; needs a step-up.

use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::security::start_totp_binding;

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let b = start_totp_binding(&state.services, &principal).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "binding_id": b.binding_id,
            "secret": b.secret_base32,
            "otpauth_uri": b.otpauth_uri,
            "qr_code": b.qr_code,
            "expires_at": b.expires_at.to_rfc3339(),
        }),
    ))
}
