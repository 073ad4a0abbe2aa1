//! `POST /v1/verifications/personal/face`: document type, name, number and the agreement; answers
//! a face session whose QR code the mobile app scans [KYC-P2].

use super::PersonBody;
use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use shared::usecases::kyc::start_face;

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(person): Json<PersonBody>) -> ApiResult {
    let person = person.person()?;
    let started = start_face(&state.services, &principal, person).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &crate::answers::FaceStarted {
            verification_id: started.verification_id.as_str().to_owned(),
            state: crate::answers::FacePending::Pending,
            qr_payload: started.qr_payload,
            qr_code: started.qr_code,
            expires_at: started.expires_at,
        },
    ))
}
