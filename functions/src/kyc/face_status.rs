//! `GET /v1/verifications/personal/face/{verification_id}`: pending, passed, failed or expired.

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, VerificationId};
use crate::AppState;
use http::StatusCode;
use serde_json::json;
use shared::usecases::kyc::face_status;

pub async fn handle(state: &AppState, Authed(principal): Authed, VerificationId(id): VerificationId) -> ApiResult {
    let state_shown = face_status(&state.services, &principal, &id).await?;
    let mut body = json!({ "verification_id": id, "state": state_shown });
    if state_shown == "failed" {
        // The seed: after face failures, the answer points to the bank card [KYC-P2, KYC-P3].
        body["other_methods"] = json!(["bank_card"]);
        body["hint"] = json!("the face check failed: start a new one, or verify with a bank card instead");
    }
    Ok(json_response(StatusCode::OK, &body))
}
