//! `POST /v1/callbacks/face`: the face provider's signed result (`X-Signature`: hex HMAC-SHA256
//! of the body). A pass verifies the account at once; a fail ends the session [KYC-P2].

use crate::api::{no_content, ApiResult};
use crate::extract::{RawBody, Signature};
use crate::AppState;
use shared::usecases::face_result::face_result;

pub async fn handle(state: &AppState, RawBody(body): RawBody, Signature(signature): Signature) -> ApiResult {
    face_result(&state.services, &body, &signature).await?;
    Ok(no_content())
}
