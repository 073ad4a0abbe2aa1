//! `PUT /v1/security/protection`: login and operation protection on or off [LOGIN-3, MFA-2];
//! needs a step-up.

use crate::api::{self, no_content};
use crate::AppState;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::usecases::security::set_protection;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtectionBody {
    login_protection: bool,
    operation_protection: bool,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: ProtectionBody = api::json_body(&req)?;
        set_protection(&state.services, &principal, b.login_protection, b.operation_protection).await?;
        Ok(no_content())
    })
    .await
}
