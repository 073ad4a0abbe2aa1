//! `POST /v1/sms-codes`: send a verification code to a phone (rate-limited per phone and caller).

use super::code_sent_body;
use crate::api::{self, json_response};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use shared::domain::code::Purpose;
use shared::domain::phone::Phone;
use shared::usecases::codes::{send_sms_code, SendSmsCode};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendCodeBody {
    phone: Phone,
    purpose: Purpose,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let body: SendCodeBody = api::json_body(&req)?;
        let sent = send_sms_code(
            &state.services,
            SendSmsCode { phone: body.phone, purpose: body.purpose },
            &api::caller(&req),
        )
        .await?;
        Ok(json_response(StatusCode::ACCEPTED, &code_sent_body(&sent)))
    })
    .await
}
