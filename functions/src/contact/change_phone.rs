//! Changing the bound phone [ACC-2], three Lambdas:
//! `POST /v1/accounts/me/phone-changes` (operation-protected; a code to the old phone),
//! `POST /v1/accounts/me/phone-changes/{change_id}/old-phone` (`{"code", "new_phone"}`; a code
//! to the new phone), `POST /v1/accounts/me/phone-changes/{change_id}/new-phone` (`{"code"}`).

use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;
use shared::domain::code::Code;
use shared::domain::phone::Phone;
use shared::usecases::contact::{start_phone_change, verify_new_phone, verify_old_phone, PhoneChangeStep};

fn step_body(step: &PhoneChangeStep) -> serde_json::Value {
    json!({
        "change_id": step.change_id,
        "challenge_id": step.code.challenge_id,
        "sent_to": step.sent_to,
        "expires_at": step.code.expires_at.to_rfc3339(),
    })
}

fn change_id(req: &Request) -> shared::domain::ids::FlowId {
    shared::domain::ids::FlowId::from_raw(req.path_parameters().first("change_id").unwrap_or_default())
}

pub async fn start(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let step = start_phone_change(&state.services, &principal, &api::caller(&req)).await?;
        Ok(json_response(StatusCode::CREATED, &step_body(&step)))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OldPhoneBody {
    code: Code,
    new_phone: Phone,
}

pub async fn old_phone(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: OldPhoneBody = api::json_body(&req)?;
        let step =
            verify_old_phone(&state.services, &principal, &change_id(&req), &b.code, &b.new_phone, &api::caller(&req))
                .await?;
        Ok(json_response(StatusCode::OK, &step_body(&step)))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPhoneBody {
    code: Code,
}

pub async fn new_phone(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let principal = api::principal(&req)?;
        let b: NewPhoneBody = api::json_body(&req)?;
        let phone = verify_new_phone(&state.services, &principal, &change_id(&req), &b.code).await?;
        Ok(json_response(StatusCode::OK, &json!({ "phone": phone })))
    })
    .await
}
