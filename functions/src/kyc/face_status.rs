//! `GET /v1/verifications/personal/face/{verification_id}`: pending, passed, failed or expired.

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, VerificationId};
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::kyc::face_status;

pub async fn handle(state: &AppState, Authed(principal): Authed, VerificationId(id): VerificationId) -> ApiResult {
    let state_shown = face_status(&state.services, &principal, &id).await?;
    Ok(json_response(StatusCode::OK, &json!({ "verification_id": id, "state": state_shown })))
}
