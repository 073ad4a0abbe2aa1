//! `PUT /v1/accounts/me/profile`: edit basic information [ACC-1].

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::ports::Profile;
use shared::usecases::contact::update_profile;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    display_name: Option<String>,
    company: Option<String>,
    contact_address: Option<String>,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<ProfileBody>) -> ApiResult {
    let p = update_profile(
        &state.services,
        &principal,
        Profile { display_name: b.display_name, company: b.company, contact_address: b.contact_address },
    )
    .await?;
    Ok(json_response(StatusCode::OK, &p))
}
