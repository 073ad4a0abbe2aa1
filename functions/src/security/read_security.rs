//! `GET /v1/security`: protection settings with the factors chosen for each, session idle
//! timeout, the factors the account has.

use crate::api::{json_response, ApiResult};
use crate::extract::AuthedUser;
use crate::AppState;
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::security::Factor;

/// The account's protection settings [LOGIN-3, MFA-1, MFA-2].
#[derive(Serialize, JsonSchema)]
pub struct SecurityAnswer {
    login_protection: bool,
    operation_protection: bool,
    /// The factors chosen for each protection [MFA-1].
    login_factors: Vec<Factor>,
    operation_factors: Vec<Factor>,
    idle_timeout_minutes: i64,
    totp_bound: bool,
    recovery_codes_left: usize,
    /// The factors the account can pass now.
    factors: Vec<Factor>,
}
use shared::usecases::security::read_security;

pub async fn handle(state: &AppState, AuthedUser(principal): AuthedUser) -> ApiResult {
    let v = read_security(&state.services, &principal).await?;
    Ok(json_response(
        StatusCode::OK,
        &SecurityAnswer {
            login_protection: v.login_protection,
            operation_protection: v.operation_protection,
            login_factors: v.login_factors,
            operation_factors: v.operation_factors,
            idle_timeout_minutes: v.idle_timeout_minutes,
            totp_bound: v.totp_bound,
            recovery_codes_left: v.recovery_codes_left,
            factors: v.factors,
        },
    ))
}
