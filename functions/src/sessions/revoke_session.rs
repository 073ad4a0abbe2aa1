//! `DELETE /v1/sessions/{session_id}`: revoke one of my sessions.

use crate::api::{self, no_content};
use crate::AppState;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::usecases::sessions::revoke_session;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let params = req.path_parameters();
        let session_id = &shared::domain::ids::SessionId::from_raw(params.first("session_id").unwrap_or_default());
        revoke_session(&state.services, &principal, session_id).await?;
        Ok(no_content())
    })
    .await
}
