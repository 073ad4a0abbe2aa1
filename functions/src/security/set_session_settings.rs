//! `PUT /v1/security/session-settings`: the idle timeout of new sessions, 15-1439 minutes
//! [LOGIN-4].

use crate::api::{self, no_content};
use crate::AppState;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::usecases::security::set_idle_timeout;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionSettingsBody {
    idle_timeout_minutes: i64,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: SessionSettingsBody = api::json_body(&req)?;
        set_idle_timeout(&state.services, &principal, b.idle_timeout_minutes).await?;
        Ok(no_content())
    })
    .await
}
