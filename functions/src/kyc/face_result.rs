//! `POST /v1/callbacks/face`: the face provider's signed result (`X-Signature`: hex HMAC-SHA256
//! of the body). A pass verifies the account at once; a fail ends the session [KYC-P2].

use crate::api::{self, no_content, ApiError, MAX_BODY_BYTES};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::usecases::kyc::face_result;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let body: &[u8] = req.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "BODY_TOO_LARGE", "the body exceeds 16 KiB"));
        }
        let signature = req.headers().get("x-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
        face_result(&state.services, body, signature).await?;
        Ok(no_content())
    })
    .await
}
