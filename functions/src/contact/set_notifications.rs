//! `PUT /v1/accounts/me/notifications`: SMS notifications on or off per product [ACC-5].

use crate::api::{json_response, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::usecases::contact::set_sms_notifications;
use std::collections::BTreeMap;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsBody {
    sms: BTreeMap<String, bool>,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<NotificationsBody>) -> ApiResult {
    let sms = set_sms_notifications(&state.services, &principal, b.sms).await?;
    Ok(json_response(
        StatusCode::OK,
        &crate::answers::SmsNotifications { sms: sms.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() },
    ))
}
