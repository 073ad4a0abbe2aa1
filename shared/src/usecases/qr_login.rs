//! QR-code sign-in [LOGIN-2]: tickets as stored flows whose transitions are conditional on their
//! version; the desktop proves itself with the ticket's secret and gets the session exactly once.

use super::deps::{HasClock, HasFlows, HasKeys, HasSecurity, HasSteps};
use super::flows::advance;
use super::sign_in::{first_factor_passed, Protection, SessionFor, SignInOutcome};
use super::Caller;
use crate::domain::flow::Versioned;
use crate::domain::ids::{new_opaque_id, FlowId};
use crate::domain::qr_login::{self, QrLogin, QrStep, TicketEvent, TicketRefusal, TicketState, TICKET_TTL};
use crate::domain::redacted::Redacted;
use crate::domain::session::{Principal, SignInMethod};
use crate::domain::totp::qr_svg_data_uri;
use crate::error::{Error, Result};
use crate::ports::Write;
use chrono::{DateTime, Utc};

fn refusal(r: TicketRefusal) -> Error {
    match r {
        TicketRefusal::Expired => Error::QrTicketExpired,
        TicketRefusal::Used => Error::QrTicketUsed,
        TicketRefusal::Foreign => Error::QrTicketForeign,
        TicketRefusal::OutOfOrder => Error::QrTicketOutOfOrder,
    }
}

async fn load(deps: &impl HasFlows, id: &FlowId) -> Result<Versioned<QrLogin>> {
    deps.flows::<QrLogin>().load(id).await?.ok_or(Error::NotFound)
}

#[derive(Debug, Clone)]
pub struct TicketIssued {
    pub ticket_id: FlowId,
    pub secret: Redacted<String>,
    pub qr_payload: String,
    pub qr_code: String,
    pub expires_at: DateTime<Utc>,
}

/// The desktop asks for a ticket: its QR code for the app, and a secret only the desktop holds.
pub async fn issue_ticket(deps: &(impl HasClock + HasKeys + HasFlows), caller: &Caller) -> Result<TicketIssued> {
    let (ticket_id, secret) = (FlowId::generate(), new_opaque_id());
    let expires_at = deps.clock().now() + TICKET_TTL;
    let ticket = QrLogin {
        secret_hash: deps.keys().keyed_hash("qr-ticket", &secret),
        state: TicketState::Waiting,
        account_id: None,
        credential: None,
        desktop_user_agent: caller.user_agent.chars().take(256).collect(),
        expires_at,
    };
    deps.flows::<QrLogin>().create(&ticket_id, &ticket).await?;
    let qr_payload = format!("cloudapp://qr-login?ticket={ticket_id}");
    Ok(TicketIssued {
        qr_code: qr_svg_data_uri(&qr_payload),
        qr_payload,
        ticket_id,
        secret: Redacted::new(secret),
        expires_at,
    })
}

/// What the signed-in mobile app does with a scanned ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppStep {
    Scan,
    Confirm,
    Reject,
}

/// The signed-in mobile app scans, confirms or rejects [LOGIN-2]. Returns the new state and the
/// desktop's user agent (shown in the app before confirming).
pub async fn app_step(
    deps: &(impl HasClock + HasFlows),
    principal: &Principal,
    ticket_id: &FlowId,
    step: AppStep,
) -> Result<(&'static str, String)> {
    // The seed: QR sign-in is for passport accounts; a cloud account uses username and password.
    if principal.credential.cloud_username().is_some() {
        return Err(Error::QrSignInPassportOnly);
    }
    let current = load(deps, ticket_id).await?;
    let account = principal.account_id.as_str();
    let event = || QrStep {
        event: match step {
            AppStep::Scan => TicketEvent::Scan { account },
            AppStep::Confirm => TicketEvent::Confirm { account },
            AppStep::Reject => TicketEvent::Reject { account },
        },
        credential: Some(&principal.credential),
    };
    let next = advance(deps.flows::<QrLogin>(), current, event, deps.clock().now()).await?.map_err(refusal)?;
    Ok((next.flow.state.as_str(), next.flow.desktop_user_agent))
}

pub enum Poll {
    State(qr_login::Shown),
    /// A session, or under login protection a pending sign-in [LOGIN-3].
    Claimed(Box<SignInOutcome>),
}

/// The desktop polls with its secret: the state, or - once confirmed - the session, exactly once.
pub async fn poll(
    deps: &(impl HasClock + HasKeys + HasSteps + HasSecurity + HasFlows),
    ticket_id: &FlowId,
    secret: &str,
    caller: &Caller,
) -> Result<Poll> {
    let current = load(deps, ticket_id).await?;
    let presented = deps.keys().keyed_hash("qr-ticket", secret);
    use subtle::ConstantTimeEq;
    if !bool::from(presented.as_bytes().ct_eq(current.flow.secret_hash.as_bytes())) {
        return Err(Error::NotFound);
    }
    let now = deps.clock().now();
    if current.flow.state != TicketState::Confirmed {
        return Ok(Poll::State(qr_login::shown(&current.flow.ticket(), now)));
    }
    let claimed = QrStep { event: TicketEvent::Claim, credential: None };
    let next = crate::domain::flow::Flow::apply(current.flow.clone(), claimed, now).map_err(refusal)?;
    let (account_id, credential) = next
        .account_id
        .clone()
        .zip(next.credential.clone())
        .ok_or_else(|| Error::internal("QR ticket", "confirmed without an account"))?;
    let record = deps.security().security(&credential).await?.ok_or(Error::NotFound)?;
    let whom = SessionFor {
        account_id: &account_id,
        credential: &credential,
        idle_timeout_secs: record.idle_timeout_secs,
        activation_pending: false,
        generation: record.session_generation,
    };
    let protection = Protection::of(&record);
    // The ticket is claimed in the same write as the session (or pending sign-in) is created.
    let claim = vec![Write::QrTicket(&current, &next)];
    let outcome = first_factor_passed(deps, whom, protection, SignInMethod::QrCode, caller, claim).await?;
    Ok(Poll::Claimed(Box::new(outcome.ok_or(Error::QrTicketUsed)?)))
}
