//! A step of a flow in two requests (issue 15): what it needs is read at once, strongly
//! consistent ([`Wanted`] -> [`Snapshot`]); the step decides on what it read; its outcome is
//! written at once, all or nothing ([`Write`]s), each write with the condition that makes it safe
//! whatever happened since the read. When a condition fails, someone else changed what was read:
//! the step reads again and decides again.
//!
//! Attempt caps still reserve before they check: a secret is compared on what was read, but the
//! comparison takes effect only through the one write that counts the try (or uses the secret
//! up) under the cap's condition, so parallel guesses get no more tries than sequential ones.

use super::codes::{CodeProof, StoredCode};
use super::sessions::{NewSession, Settle};
use super::{AccountRecord, SecurityChange, SecurityRecord};
use crate::domain::flow::Versioned;
use crate::domain::ids::{AccountId, ChallengeId, FlowId, SessionId};
use crate::domain::login::CredentialRef;
use crate::domain::qr_login::QrLogin;
use crate::domain::sign_in::PendingSignIn;
use crate::domain::throttle::{FailureWindow, Throttle};
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

/// What a step reads (each item if named).
#[derive(Debug, Default, Clone, Copy)]
pub struct Wanted<'a> {
    pub security: Option<&'a CredentialRef>,
    pub account: Option<&'a AccountId>,
    pub code: Option<&'a ChallengeId>,
    pub window: Option<&'a Throttle>,
    pub bank_card_attempts: Option<&'a AccountId>,
    /// A document's verified-accounts counter, by the document's keyed hash [KYC-P4].
    pub document: Option<&'a str>,
}

/// What was read (absent items as `None` or zero).
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub security: Option<SecurityRecord>,
    pub account: Option<AccountRecord>,
    pub code: Option<StoredCode>,
    pub window: Option<FailureWindow>,
    pub bank_card_attempts: u32,
    pub document_accounts: u32,
}

/// One write of a step's outcome, with its condition.
#[derive(Debug)]
pub enum Write<'a> {
    /// A right code used up: its try counted, and it is consumed, if the proof still holds
    /// (right code, purpose and target, unexpired, a try left, unused).
    UseCode(CodeProof),
    /// A wrong code: its try counted, while it has one left and is unused.
    CountCodeTry {
        challenge_id: &'a ChallengeId,
        max: u32,
    },
    /// The window is not full (nothing counted: only failures count).
    WindowNotFull {
        throttle: &'a Throttle,
        cap: u32,
        now: DateTime<Utc>,
    },
    /// A failure counted in the window as it was read (`seen`), which opens anew if it ended;
    /// only while it is not full.
    CountFailure {
        throttle: &'a Throttle,
        cap: u32,
        seen: Option<FailureWindow>,
        now: DateTime<Utc>,
        length: Duration,
    },
    /// A reserved sign-in try settled (a success clears or refunds it).
    Settle(&'a Settle, DateTime<Utc>),
    /// A change to a security record (a TOTP step or a recovery code used up, ...).
    Security {
        credential: &'a CredentialRef,
        account_id: &'a AccountId,
        change: SecurityChange,
    },
    /// A passed second factor recorded on the session until `until` [MFA-2].
    GrantStepUp {
        session_id: &'a SessionId,
        account_id: &'a AccountId,
        until: DateTime<Utc>,
    },
    CreateSession(&'a NewSession),
    /// A pending sign-in moved on from the version read.
    SignIn(&'a Versioned<PendingSignIn>, &'a PendingSignIn),
    NewSignIn(&'a FlowId, &'a PendingSignIn),
    /// A QR ticket moved on from the version read.
    QrTicket(&'a Versioned<QrLogin>, &'a QrLogin),
    /// A bank-card attempt counted on the `seen` ones (so the count it makes is known), which
    /// were fewer than the cap [KYC-P3].
    CountBankCardAttempt {
        account_id: &'a AccountId,
        seen: u32,
    },
}

/// A step's write that did not happen: the positions of the writes whose condition did not hold
/// (none when the transaction lost to a concurrent one). Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Vec<usize>);

impl Refused {
    pub fn at(&self, position: usize) -> bool {
        self.0.contains(&position)
    }
}

#[async_trait]
pub trait StepStore: Send + Sync {
    /// Reads the wanted items in one request, strongly consistent.
    async fn read(&self, wanted: &Wanted<'_>) -> Result<Snapshot>;
    /// Writes everything in one request, or nothing: a transaction, or a plain conditional write
    /// when there is one item (a transaction costs twice the write capacity).
    async fn write(&self, writes: &[Write<'_>]) -> Result<std::result::Result<(), Refused>>;
}
