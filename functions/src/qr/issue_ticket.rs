//! `POST /v1/qr-logins`: the desktop gets a two-minute, single-use ticket: a QR code (image and
//! payload) for the mobile app, and a secret it keeps for polling.

use crate::api::{json_response, ApiResult};
use crate::AppState;
use http::StatusCode;
use shared::usecases::qr_login::issue_ticket;
use shared::usecases::Caller;

pub async fn handle(state: &AppState, caller: Caller) -> ApiResult {
    let t = issue_ticket(&state.services, &caller).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &crate::answers::TicketIssued {
            ticket_id: t.ticket_id.as_str().to_owned(),
            secret: t.secret.expose().clone(),
            state: shared::domain::qr_login::Shown::Waiting,
            qr_payload: t.qr_payload,
            qr_code: t.qr_code,
            expires_at: t.expires_at,
        },
    ))
}
