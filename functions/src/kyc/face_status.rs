//! `GET /v1/verifications/personal/face/{verification_id}`: pending, passed, failed or expired.

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;
use shared::usecases::kyc::face_status;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let params = req.path_parameters();
        let id = &shared::domain::ids::FlowId::from_raw(params.first("verification_id").unwrap_or_default());
        let state_shown = face_status(&state.services, &principal, id).await?;
        Ok(json_response(StatusCode::OK, &json!({ "verification_id": id, "state": state_shown })))
    })
    .await
}
