//! `PUT /v1/accounts/me/profile`: edit basic information [ACC-1].

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::ports::Profile;
use shared::usecases::contact::update_profile;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    display_name: Option<String>,
    company: Option<String>,
    contact_address: Option<String>,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: ProfileBody = api::json_body(&req)?;
        let p = update_profile(
            &state.services,
            &principal,
            Profile { display_name: b.display_name, company: b.company, contact_address: b.contact_address },
        )
        .await?;
        Ok(json_response(
            StatusCode::OK,
            &json!({ "display_name": p.display_name, "company": p.company, "contact_address": p.contact_address }),
        ))
    })
    .await
}
