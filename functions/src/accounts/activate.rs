//! `POST /v1/accounts/me/activation`: a passport or legacy account accepts the three agreements on
//! its first sign-in; it is then bound to its AccountId for life and the session may do
//! everything [REG-4].

use crate::api::{json_response, ApiResult};
use crate::extract::{AuthedAllowingActivation, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::usecases::passport::activate;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivationBody {
    agreements: Vec<AgreementRef>,
}

pub async fn handle(
    state: &AppState,
    AuthedAllowingActivation(principal): AuthedAllowingActivation,
    Json(b): Json<ActivationBody>,
) -> ApiResult {
    let account_id = activate(&state.services, &principal, &b.agreements).await?;
    Ok(json_response(
        StatusCode::OK,
        &crate::answers::Activated { account_id: account_id.as_str().to_owned(), activated: true },
    ))
}
