//! `POST /v1/enterprise/applications/{application_id}/withdrawal`: the owner withdraws an
//! application that has not ended (one in review with its case, even once claimed) [LIFE-1].

use super::application_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{ApplicationId, Authed};
use crate::AppState;
use http::StatusCode;
use shared::usecases::enterprise::{application_view, withdraw_application};

pub async fn handle(state: &AppState, Authed(principal): Authed, ApplicationId(id): ApplicationId) -> ApiResult {
    let withdrawn = withdraw_application(&state.services, &principal, &id).await?;
    let view = application_view(&state.services, withdrawn).await?;
    Ok(json_response(StatusCode::OK, &application_body(&view)))
}
