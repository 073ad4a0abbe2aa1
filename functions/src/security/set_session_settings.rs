//! `PUT /v1/security/session-settings`: the idle timeout of new sessions, 15-1439 minutes
//! [LOGIN-4].

use crate::api::{no_content, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use serde::Deserialize;
use shared::usecases::security::set_idle_timeout;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionSettingsBody {
    idle_timeout_minutes: i64,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<SessionSettingsBody>) -> ApiResult {
    set_idle_timeout(&state.services, &principal, b.idle_timeout_minutes).await?;
    Ok(no_content())
}
