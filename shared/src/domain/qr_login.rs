//! QR-code sign-in [LOGIN-2]: the desktop shows a short-lived, single-use ticket; the signed-in
//! mobile app scans it and confirms (or rejects); the desktop, polling with the ticket's secret,
//! receives a session exactly once.
//!
//! ```text
//! waiting --scan--> scanned --confirm--> confirmed --claim--> consumed
//!    |                 |--reject--> rejected
//!    '-- (2 minutes) --'--> expired (any state but consumed and rejected)
//! ```

use super::flow::{Flow, FlowKind};
use super::ids::AccountId;
use super::login::CredentialRef;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A ticket lives two minutes.
pub const TICKET_TTL: Duration = Duration::minutes(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Scanned,
    Confirmed,
    Rejected,
    Consumed,
}

impl TicketState {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Scanned => "scanned",
            TicketState::Confirmed => "confirmed",
            TicketState::Rejected => "rejected",
            TicketState::Consumed => "consumed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketEvent<'a> {
    /// The mobile app of `account` scanned the code.
    Scan {
        account: &'a str,
    },
    Confirm {
        account: &'a str,
    },
    Reject {
        account: &'a str,
    },
    /// The desktop takes the session.
    Claim,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TicketRefusal {
    #[error("the ticket has expired")]
    Expired,
    #[error("the ticket was already used or rejected")]
    Used,
    #[error("the ticket was scanned by another account")]
    Foreign,
    #[error("the ticket is not in a state for this step")]
    OutOfOrder,
}

/// A ticket as the transition sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub state: TicketState,
    pub account: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// A ticket's state as the desktop polling it sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    Waiting,
    Scanned,
    Confirmed,
    Rejected,
    Consumed,
    /// Its time passed before it ended.
    Expired,
}

/// The state shown: a ticket past its time reads as expired unless it already ended.
pub fn shown(ticket: &Ticket, now: DateTime<Utc>) -> Shown {
    match ticket.state {
        TicketState::Consumed => Shown::Consumed,
        TicketState::Rejected => Shown::Rejected,
        _ if now >= ticket.expires_at => Shown::Expired,
        TicketState::Waiting => Shown::Waiting,
        TicketState::Scanned => Shown::Scanned,
        TicketState::Confirmed => Shown::Confirmed,
    }
}

/// The ticket after `event` at `now`.
pub fn transition(ticket: &Ticket, event: TicketEvent<'_>, now: DateTime<Utc>) -> Result<Ticket, TicketRefusal> {
    use TicketState::*;
    if matches!(ticket.state, Consumed | Rejected) {
        return Err(TicketRefusal::Used);
    }
    if now >= ticket.expires_at {
        return Err(TicketRefusal::Expired);
    }
    let owner_is = |account: &str| ticket.account.as_deref() == Some(account);
    let next = |state, account: Option<String>| Ok(Ticket { state, account, expires_at: ticket.expires_at });
    let actor = match &event {
        TicketEvent::Scan { account } | TicketEvent::Confirm { account } | TicketEvent::Reject { account } => {
            Some(*account)
        }
        TicketEvent::Claim => None,
    };
    if matches!(ticket.state, Scanned | Confirmed) && actor.is_some_and(|a| !owner_is(a)) {
        return Err(TicketRefusal::Foreign);
    }
    match (ticket.state, event) {
        (Waiting, TicketEvent::Scan { account }) => next(Scanned, Some(account.to_owned())),
        (Scanned, TicketEvent::Scan { .. }) => next(Scanned, ticket.account.clone()),
        (Scanned, TicketEvent::Confirm { .. }) => next(Confirmed, ticket.account.clone()),
        (Scanned, TicketEvent::Reject { .. }) => next(Rejected, ticket.account.clone()),
        (Confirmed, TicketEvent::Claim) => next(Consumed, ticket.account.clone()),
        _ => Err(TicketRefusal::OutOfOrder),
    }
}

/// A QR ticket as stored: the ticket, the desktop's secret (keyed hash) and, once scanned, the
/// credential of the app's session that the desktop's session will sign in with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QrLogin {
    pub secret_hash: String,
    pub state: TicketState,
    pub account_id: Option<AccountId>,
    pub credential: Option<CredentialRef>,
    pub desktop_user_agent: String,
    pub expires_at: DateTime<Utc>,
}

impl QrLogin {
    pub fn ticket(&self) -> Ticket {
        Ticket {
            state: self.state,
            account: self.account_id.as_ref().map(|a| a.as_str().to_owned()),
            expires_at: self.expires_at,
        }
    }
}

/// A step of the mobile app (with the credential of its session) or the desktop's claim.
#[derive(Debug, Clone)]
pub struct QrStep<'a> {
    pub event: TicketEvent<'a>,
    pub credential: Option<&'a CredentialRef>,
}

impl Flow for QrLogin {
    const KIND: FlowKind = FlowKind::QrLogin;
    type Event<'a> = QrStep<'a>;
    type Refusal = TicketRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    fn apply(mut self, step: QrStep<'_>, now: DateTime<Utc>) -> Result<Self, TicketRefusal> {
        let next = transition(&self.ticket(), step.event, now)?;
        self.state = next.state;
        self.account_id = next.account.map(AccountId::from_raw);
        if let Some(credential) = step.credential {
            self.credential = Some(credential.clone());
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(state: TicketState, account: Option<&str>) -> Ticket {
        Ticket { state, account: account.map(str::to_owned), expires_at: Utc::now() + TICKET_TTL }
    }

    #[test]
    fn the_happy_path() {
        let now = Utc::now();
        let t = ticket(TicketState::Waiting, None);
        let t = transition(&t, TicketEvent::Scan { account: "a" }, now).unwrap();
        assert_eq!((t.state, t.account.as_deref()), (TicketState::Scanned, Some("a")));
        let t = transition(&t, TicketEvent::Confirm { account: "a" }, now).unwrap();
        let t = transition(&t, TicketEvent::Claim, now).unwrap();
        assert_eq!(t.state, TicketState::Consumed);
        assert_eq!(transition(&t, TicketEvent::Claim, now), Err(TicketRefusal::Used));
    }

    #[test]
    fn refusals() {
        let now = Utc::now();
        let scanned = ticket(TicketState::Scanned, Some("a"));
        assert_eq!(transition(&scanned, TicketEvent::Confirm { account: "b" }, now), Err(TicketRefusal::Foreign));
        assert_eq!(transition(&scanned, TicketEvent::Scan { account: "b" }, now), Err(TicketRefusal::Foreign));
        assert_eq!(transition(&scanned, TicketEvent::Claim, now), Err(TicketRefusal::OutOfOrder));
        assert_eq!(
            transition(&ticket(TicketState::Waiting, None), TicketEvent::Confirm { account: "a" }, now),
            Err(TicketRefusal::OutOfOrder)
        );
        let rejected = transition(&scanned, TicketEvent::Reject { account: "a" }, now).unwrap();
        assert_eq!(transition(&rejected, TicketEvent::Confirm { account: "a" }, now), Err(TicketRefusal::Used));
        let late = scanned.expires_at;
        assert_eq!(transition(&scanned, TicketEvent::Confirm { account: "a" }, late), Err(TicketRefusal::Expired));
        assert_eq!(shown(&scanned, late), Shown::Expired);
        assert_eq!(shown(&rejected, late), Shown::Rejected);
    }
}
