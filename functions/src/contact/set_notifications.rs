//! `PUT /v1/accounts/me/notifications`: SMS notifications on or off per product [ACC-5].

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::usecases::contact::set_sms_notifications;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NotificationsBody {
    sms: BTreeMap<String, bool>,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: NotificationsBody = api::json_body(&req)?;
        let sms = set_sms_notifications(&state.services, &principal, b.sms).await?;
        Ok(json_response(StatusCode::OK, &json!({ "sms": sms })))
    })
    .await
}
