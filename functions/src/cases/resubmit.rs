//! `POST /v1/cases/{case_id}/material`: sends the files a reviewer asked for again (each uploaded
//! with `POST /v1/uploads`, checked as on submission); the case waits for a reviewer again with
//! the review time it had left [ACC-4, MFA-5, KYC-P7].

use super::{case_body, MaterialBody};
use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, CaseId, Json};
use crate::AppState;
use http::StatusCode;
use shared::usecases::cases::resubmit_material;

pub async fn handle(
    state: &AppState,
    Authed(principal): Authed,
    CaseId(case_id): CaseId,
    Json(material): Json<MaterialBody>,
) -> ApiResult {
    let case = resubmit_material(&state.services, &principal, &case_id, &material.0).await?;
    Ok(json_response(StatusCode::OK, &case_body(&case, state.services.clock.now())))
}
