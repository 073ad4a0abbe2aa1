//! `PUT /v1/security/protection`: login and operation protection on or off [LOGIN-3, MFA-2];
//! needs a step-up.

use crate::api::{no_content, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use serde::Deserialize;
use shared::usecases::security::set_protection;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectionBody {
    login_protection: bool,
    operation_protection: bool,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<ProtectionBody>) -> ApiResult {
    set_protection(&state.services, &principal, b.login_protection, b.operation_protection).await?;
    Ok(no_content())
}
