//! `DELETE /v1/sessions/current`: sign out; the token is refused from the next call on [LOGIN-7].

use crate::api::{self, no_content};
use crate::AppState;
use lambda_http::{Body, Request, Response};
use shared::usecases::sessions::sign_out;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal_allowing_activation(&req)?;
        sign_out(&state.services, &principal).await?;
        Ok(no_content())
    })
    .await
}
