//! The providers' signed callbacks (`X-Signature`: hex HMAC-SHA256 of the body with the shared
//! secret): `POST /v1/callbacks/payouts` (the corporate transfer's deposit arrived or failed)
//! [KYC-E5] and `POST /v1/callbacks/inbound-transfers` (money arrived on a receiving account)
//! [KYC-E6]. A repeated or out-of-order message changes nothing (`"applied": false`).

use crate::api::{json_response, ApiResult};
use crate::extract::{RawBody, Signature};
use crate::AppState;
use http::StatusCode;
use shared::usecases::enterprise::{inbound_transfer, payout_result};

pub async fn payout(state: &AppState, RawBody(body): RawBody, Signature(signature): Signature) -> ApiResult {
    let applied = payout_result(&state.services, &body, &signature).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::Applied { applied }))
}

pub async fn inbound(state: &AppState, RawBody(body): RawBody, Signature(signature): Signature) -> ApiResult {
    let applied = inbound_transfer(&state.services, &body, &signature).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::Applied { applied }))
}
