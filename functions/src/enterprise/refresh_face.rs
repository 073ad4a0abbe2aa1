//! `POST /v1/enterprise/applications/{application_id}/face`: a new QR code after a failed face
//! check (a failure kills the code) or an expired one: one more attempt of the method [KYC-E4].

use super::face_body;
use crate::api::{json_response, ApiResult};
use crate::extract::{ApplicationId, Authed};
use crate::AppState;
use http::StatusCode;
use shared::usecases::enterprise::refresh_face;

pub async fn handle(state: &AppState, Authed(principal): Authed, ApplicationId(id): ApplicationId) -> ApiResult {
    let face = refresh_face(&state.services, &principal, &id).await?;
    Ok(json_response(StatusCode::CREATED, &face_body(&face)))
}
