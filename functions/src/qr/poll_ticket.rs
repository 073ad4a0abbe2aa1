//! `POST /v1/qr-logins/{ticket_id}/poll` with `{"secret"}`: the ticket's state, or once the app
//! confirmed, the session (`201`), exactly once.

use crate::api::{json_response, ApiResult};
use crate::extract::{Json, TicketId};
use crate::sessions::{session_body, sign_in_response, SessionAnswer};
use crate::AppState;
use http::StatusCode;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use shared::domain::qr_login::Shown;
use shared::usecases::qr_login::{poll, Poll};
use shared::usecases::sign_in::SignInOutcome;
use shared::usecases::Caller;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "QrPollBody")]
pub struct PollBody {
    secret: String,
}

/// The ticket's state while it waits.
#[derive(Serialize, JsonSchema)]
pub struct StateAnswer {
    state: Shown,
}

/// The desktop's session, once: the ticket is used up.
#[derive(Serialize, JsonSchema)]
pub struct ConsumedAnswer {
    #[serde(flatten)]
    session: SessionAnswer,
    state: Consumed,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Consumed {
    Consumed,
}

pub async fn handle(state: &AppState, TicketId(id): TicketId, Json(b): Json<PollBody>, caller: Caller) -> ApiResult {
    Ok(match poll(&state.services, &id, &b.secret, &caller).await? {
        Poll::State(s) => json_response(StatusCode::OK, &StateAnswer { state: s }),
        Poll::Claimed(outcome) => match *outcome {
            SignInOutcome::SignedIn(session) => {
                let answer = ConsumedAnswer { session: session_body(&session), state: Consumed::Consumed };
                json_response(StatusCode::CREATED, &answer)
            }
            // Under login protection the desktop completes the sign-in with a second factor.
            pending => sign_in_response(&pending),
        },
    })
}
