//! QR-code sign-in [LOGIN-2]: tickets as stored flows whose transitions are conditional on their
//! version; the desktop proves itself with the ticket's secret and gets the session exactly once.

use super::sign_in::{start_session, SessionFor, SignedIn};
use super::Caller;
use crate::domain::ids::new_opaque_id;
use crate::domain::qr_login::{self, Ticket, TicketEvent, TicketRefusal, TicketState, TICKET_TTL};
use crate::domain::session::{Principal, SignInMethod};
use crate::domain::totp::qr_svg_data_uri;
use crate::error::{Error, Result};
use crate::ports::StoredFlow;
use crate::services::Services;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredTicket {
    secret_hash: String,
    state: TicketState,
    account_id: Option<String>,
    login_key: Option<String>,
    desktop_user_agent: String,
    expires_at: DateTime<Utc>,
}

impl StoredTicket {
    fn ticket(&self) -> Ticket {
        Ticket { state: self.state, account: self.account_id.clone(), expires_at: self.expires_at }
    }
}

fn encode(ticket: &StoredTicket) -> Result<serde_json::Value> {
    serde_json::to_value(ticket).map_err(|e| Error::internal("encode QR ticket", e))
}

fn key(id: &str) -> String {
    format!("qr-login:{id}")
}

fn refusal(r: TicketRefusal) -> Error {
    match r {
        TicketRefusal::Expired => Error::QrTicketExpired,
        TicketRefusal::Used => Error::QrTicketUsed,
        TicketRefusal::Foreign => Error::QrTicketForeign,
        TicketRefusal::OutOfOrder => Error::QrTicketOutOfOrder,
    }
}

async fn load(services: &Services, id: &str) -> Result<(StoredTicket, StoredFlow)> {
    let flow = services.flows.flow(&key(id)).await?.ok_or(Error::NotFound)?;
    let ticket = serde_json::from_value(flow.body.clone()).map_err(|e| Error::internal("decode QR ticket", e))?;
    Ok((ticket, flow))
}

#[derive(Debug, Clone)]
pub struct TicketIssued {
    pub ticket_id: String,
    pub secret: String,
    pub qr_payload: String,
    pub qr_code: String,
    pub expires_at: DateTime<Utc>,
}

/// The desktop asks for a ticket: its QR code for the app, and a secret only the desktop holds.
pub async fn issue_ticket(services: &Services, caller: &Caller) -> Result<TicketIssued> {
    let (ticket_id, secret) = (new_opaque_id(), new_opaque_id());
    let expires_at = services.clock.now() + TICKET_TTL;
    let stored = StoredTicket {
        secret_hash: services.keys.keyed_hash("qr-ticket", &secret),
        state: TicketState::Waiting,
        account_id: None,
        login_key: None,
        desktop_user_agent: caller.user_agent.chars().take(256).collect(),
        expires_at,
    };
    services.flows.put_flow(&key(&ticket_id), encode(&stored)?, expires_at).await?;
    let qr_payload = format!("cloudapp://qr-login?ticket={ticket_id}");
    Ok(TicketIssued { qr_code: qr_svg_data_uri(&qr_payload), qr_payload, ticket_id, secret, expires_at })
}

/// The signed-in mobile app scans, confirms or rejects [LOGIN-2]. Returns the new state and the
/// desktop's user agent (shown in the app before confirming).
pub async fn app_step(
    services: &Services,
    principal: &Principal,
    ticket_id: &str,
    step: &str,
) -> Result<(&'static str, String)> {
    for _ in 0..2 {
        let (mut stored, flow) = load(services, ticket_id).await?;
        let account = principal.account_id.as_str();
        let event = match step {
            "scan" => TicketEvent::Scan { account },
            "confirm" => TicketEvent::Confirm { account },
            _ => TicketEvent::Reject { account },
        };
        let next = qr_login::transition(&stored.ticket(), event, services.clock.now()).map_err(refusal)?;
        stored.state = next.state;
        stored.account_id = next.account;
        stored.login_key = Some(principal.login_key.clone());
        if services.flows.update_flow(&key(ticket_id), encode(&stored)?, flow.version).await? {
            return Ok((stored.state.as_str(), stored.desktop_user_agent));
        }
    }
    Err(Error::QrTicketOutOfOrder)
}

pub enum Poll {
    State(&'static str),
    SignedIn(Box<SignedIn>),
}

/// The desktop polls with its secret: the state, or - once confirmed - the session, exactly once.
pub async fn poll(services: &Services, ticket_id: &str, secret: &str, caller: &Caller) -> Result<Poll> {
    let (mut stored, flow) = load(services, ticket_id).await?;
    let presented = services.keys.keyed_hash("qr-ticket", secret);
    use subtle::ConstantTimeEq;
    if !bool::from(presented.as_bytes().ct_eq(stored.secret_hash.as_bytes())) {
        return Err(Error::NotFound);
    }
    let now = services.clock.now();
    if stored.state != TicketState::Confirmed {
        return Ok(Poll::State(qr_login::shown(&stored.ticket(), now)));
    }
    let next = qr_login::transition(&stored.ticket(), TicketEvent::Claim, now).map_err(refusal)?;
    stored.state = next.state;
    if !services.flows.update_flow(&key(ticket_id), encode(&stored)?, flow.version).await? {
        return Err(Error::QrTicketUsed);
    }
    let (account_id, login_key) = stored
        .account_id
        .zip(stored.login_key)
        .ok_or_else(|| Error::internal("QR ticket", "confirmed without an account"))?;
    let record = services.security.security(&login_key).await?.ok_or(Error::NotFound)?;
    let session = start_session(
        services,
        SessionFor {
            account_id: &account_id,
            login_key: &login_key,
            idle_timeout_secs: record.idle_timeout_secs,
            activation_pending: false,
        },
        SignInMethod::QrCode,
        caller,
        None,
    )
    .await?;
    Ok(Poll::SignedIn(Box::new(session)))
}
