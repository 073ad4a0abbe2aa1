//! `POST /v1/qr-logins/{ticket_id}/poll` with `{"secret"}`: the ticket's state, or once the app
//! confirmed, the session (`201`), exactly once.

use crate::api::{json_response, ApiResult};
use crate::extract::{Json, TicketId};
use crate::sessions::{session_body, sign_in_response};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use shared::usecases::qr_login::{poll, Poll};
use shared::usecases::sign_in::SignInOutcome;
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "QrPollBody")]
pub struct PollBody {
    secret: String,
}

pub async fn handle(state: &AppState, TicketId(id): TicketId, Json(b): Json<PollBody>, caller: Caller) -> ApiResult {
    Ok(match poll(&state.services, &id, &b.secret, &caller).await? {
        Poll::State(s) => json_response(StatusCode::OK, &json!({ "state": s })),
        Poll::Claimed(outcome) => match *outcome {
            SignInOutcome::SignedIn(session) => {
                let mut body = session_body(&session);
                body["state"] = json!("consumed");
                json_response(StatusCode::CREATED, &body)
            }
            // Under login protection the desktop completes the sign-in with a second factor.
            pending => sign_in_response(&pending),
        },
    })
}
