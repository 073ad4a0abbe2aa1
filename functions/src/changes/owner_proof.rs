//! `POST /v1/subject-changes/{change_id}/owner-proof`: the current person proves themselves, by
//! face (a QR code for the app) or bank card (5 tries in the change) [CHG-5].

use super::{proof_body, ProofBody};
use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, ChangeId, Json};
use crate::AppState;
use http::StatusCode;
use shared::usecases::change::prove_owner;

pub async fn handle(
    state: &AppState,
    Authed(principal): Authed,
    ChangeId(id): ChangeId,
    Json(body): Json<ProofBody>,
) -> ApiResult {
    let outcome = prove_owner(&state.services, &principal, &id, body.proof()?).await?;
    Ok(json_response(StatusCode::OK, &proof_body(&outcome)))
}
