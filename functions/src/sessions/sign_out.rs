//! `DELETE /v1/sessions/current`: sign out; the token is refused from the next call on [LOGIN-7].

use crate::api::{no_content, ApiResult};
use crate::extract::AuthedAllowingActivation;
use crate::AppState;
use shared::usecases::sessions::sign_out;

pub async fn handle(state: &AppState, AuthedAllowingActivation(principal): AuthedAllowingActivation) -> ApiResult {
    sign_out(&state.services, &principal).await?;
    Ok(no_content())
}
