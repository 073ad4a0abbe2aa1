//! `POST /v1/verifications/personal/support-cases`: a name/ID mismatch after a recent official
//! change: the person as now registered and a photo of the household register's page; a reviewer
//! confirms and the person is verified as submitted [KYC-P7].

use super::{case_body, MaterialBody};
use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::kyc::PersonBody;
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::cases::open_identity_case;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityCaseBody {
    #[serde(flatten)]
    person: PersonBody,
    /// `household-register`.
    material: MaterialBody,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<IdentityCaseBody>) -> ApiResult {
    let case = open_identity_case(&state.services, &principal, body.person.person()?, &body.material.0).await?;
    Ok(json_response(StatusCode::CREATED, &case_body(&case, state.services.clock.now())))
}
