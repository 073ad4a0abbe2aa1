//! `POST /v1/uploads`: a presigned upload (PUT) of one JPEG or PNG of at most 4 MB, for a purpose,
//! under the account's own prefix; valid five minutes [KYC-E3].

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::upload::{ImageType, UploadPurpose, MAX_UPLOAD_BYTES};
use shared::usecases::cases::{start_upload, UploadStarted};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadBody {
    purpose: UploadPurpose,
    /// `image/jpeg` or `image/png`.
    content_type: String,
    /// The file's size in bytes (1 to 4194304).
    size: u64,
}

impl UploadBody {
    /// The purpose, the image type and the size.
    pub(crate) fn parts(&self) -> Result<(UploadPurpose, ImageType, u64), shared::Error> {
        let image = ImageType::from_content_type(&self.content_type)
            .ok_or_else(|| shared::Error::invalid("content_type", "must be image/jpeg or image/png"))?;
        Ok((self.purpose, image, self.size))
    }
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(body): Json<UploadBody>) -> ApiResult {
    let (purpose, image, size) = body.parts()?;
    let started = start_upload(&state.services, &principal, purpose, image, size).await?;
    Ok(json_response(StatusCode::CREATED, &upload_body(&started)))
}

/// A presigned upload as the client uses it.
pub(crate) fn upload_body(started: &UploadStarted) -> crate::answers::UploadStarted {
    crate::answers::UploadStarted {
        upload_id: started.upload_id.clone(),
        method: started.request.method.clone(),
        url: started.request.url.clone(),
        headers: started.request.headers.clone(),
        expires_at: started.expires_at,
        max_bytes: MAX_UPLOAD_BYTES,
    }
}
