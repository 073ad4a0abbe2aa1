//! `POST /v1/qr-logins/{ticket_id}/poll` with `{"secret"}`: the ticket's state, or once the app
//! confirmed, the session (`201`), exactly once.

use crate::api::{self, json_response};
use crate::sessions::session_body;
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;
use shared::usecases::qr_login::{poll, Poll};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PollBody {
    secret: String,
}

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let b: PollBody = api::json_body(&req)?;
        let params = req.path_parameters();
        let id = &shared::domain::ids::FlowId::from_raw(params.first("ticket_id").unwrap_or_default());
        Ok(match poll(&state.services, id, &b.secret, &api::caller(&req)).await? {
            Poll::State(s) => json_response(StatusCode::OK, &json!({ "state": s })),
            Poll::SignedIn(session) => {
                let mut body = session_body(&session);
                body["state"] = json!("consumed");
                json_response(StatusCode::CREATED, &body)
            }
        })
    })
    .await
}
