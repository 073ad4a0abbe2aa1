//! `GET /v1/enterprise/applications/{application_id}`: one of the caller's applications.

use super::application_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{ApplicationId, Authed};
use crate::AppState;
use http::StatusCode;
use shared::usecases::enterprise::application;

pub async fn handle(state: &AppState, Authed(principal): Authed, ApplicationId(id): ApplicationId) -> ApiResult {
    let view = application(&state.services, &principal, &id).await?;
    Ok(json_response(StatusCode::OK, &application_body(&view)))
}
