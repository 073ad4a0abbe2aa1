//! `PUT /v1/security/protection`: login and operation protection on or off, each with the
//! factors the owner chose (`sms`, `totp` or both) [LOGIN-3, MFA-1, MFA-2]; needs a step-up.

use crate::api::{no_content, ApiError, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use serde::Deserialize;
use shared::domain::security::{ChosenFactors, Factor};
use shared::usecases::security::{set_protection, ProtectionSettings};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectionBody {
    login_protection: bool,
    operation_protection: bool,
    /// The factors login protection accepts: `["sms"]`, `["totp"]` or both (either passes);
    /// left out, the current choice stays.
    login_factors: Option<Vec<Factor>>,
    /// The factors operation protection (step-up) accepts: any of `sms`, `totp` and `passkey`
    /// (a registered one; any chosen passes) [KEY-2].
    operation_factors: Option<Vec<Factor>>,
}

fn chosen(field: &str, list: Option<Vec<Factor>>) -> Result<Option<ChosenFactors>, ApiError> {
    list.map(|l| ChosenFactors::from_list(&l).map_err(|reason| shared::Error::invalid(field, reason).into()))
        .transpose()
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<ProtectionBody>) -> ApiResult {
    let settings = ProtectionSettings {
        login: b.login_protection,
        operation: b.operation_protection,
        login_factors: chosen("login_factors", b.login_factors)?,
        operation_factors: chosen("operation_factors", b.operation_factors)?,
    };
    set_protection(&state.services, &principal, settings).await?;
    Ok(no_content())
}
