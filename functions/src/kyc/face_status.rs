//! `GET /v1/verifications/personal/face/{verification_id}`: pending, passed, failed or expired.

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, VerificationId};
use crate::AppState;
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::kyc::FaceShown;
use shared::usecases::kyc::face_status;

/// A face session's state; when it failed, the other method to try [KYC-P2, KYC-P3].
#[derive(Serialize, JsonSchema)]
pub struct FaceStatusAnswer {
    verification_id: String,
    state: FaceShown,
    #[serde(skip_serializing_if = "Option::is_none")]
    other_methods: Option<Vec<OtherMethod>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OtherMethod {
    BankCard,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, VerificationId(id): VerificationId) -> ApiResult {
    let shown = face_status(&state.services, &principal, &id).await?;
    // The seed: after face failures, the answer points to the bank card [KYC-P2, KYC-P3].
    let failed = shown == FaceShown::Failed;
    let answer = FaceStatusAnswer {
        verification_id: id.as_str().to_owned(),
        state: shown,
        other_methods: failed.then(|| vec![OtherMethod::BankCard]),
        hint: failed.then(|| "the face check failed: start a new one, or verify with a bank card instead".to_owned()),
    };
    Ok(json_response(StatusCode::OK, &answer))
}
