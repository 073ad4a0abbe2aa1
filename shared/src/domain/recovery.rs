//! Recovery flows [REC-1..REC-4]: the captcha (one check), the password reset and the account
//! lookup (a code to the bound phone, five tries, fifteen minutes). A reset or lookup that matched
//! nothing is stored all the same, so its answers are alike. A start stores its request sealed
//! (`pending`) and the recovery worker resolves it after the answer, so nothing the answer waits
//! for depends on whether an account matched.

use super::code::MAX_ATTEMPTS;
use super::flow::{Flow, FlowKind, Progress};
use super::ids::{AccountId, ChallengeId};
use super::login::CredentialRef;
use super::redacted::Redacted;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const RECOVERY_TTL: Duration = Duration::minutes(15);

/// `fresh --check--> used` (right or wrong, a captcha is checked once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Captcha {
    pub answer_hash: String,
    /// Kept for the local sandbox solver only.
    pub answer_encrypted: Redacted<String>,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptchaUsed;

impl Flow for Captcha {
    const KIND: FlowKind = FlowKind::Captcha;
    type Event<'a> = ();
    type Refusal = CaptchaUsed;

    fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    fn apply(mut self, (): (), now: DateTime<Utc>) -> Result<Self, CaptchaUsed> {
        if self.used || now >= self.expires_at {
            return Err(CaptchaUsed);
        }
        self.used = true;
        Ok(self)
    }
}

/// The account a reset is for, when one matched.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetTarget {
    pub account_id: AccountId,
    pub credential: CredentialRef,
    pub phone_hash: String,
    pub challenge_id: ChallengeId,
}

/// What the recovery worker keeps of a start: its request until it is resolved, and the messages
/// it put on the outbox until they are on it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Resolution {
    /// The start's request, sealed; `None` once the worker resolved it.
    #[serde(default)]
    pub pending: Option<Redacted<String>>,
    /// Sealed outbox messages of the resolution, kept until they were queued (a redelivered
    /// message queues them again; the delivery worker sends each id once).
    #[serde(default)]
    pub outgoing: Vec<Redacted<String>>,
    /// A code that matches nothing, tried where no phone matched, so that a try costs the same
    /// work whether or not one did [REC-4].
    #[serde(default)]
    pub decoy: Option<ChallengeId>,
}

impl Resolution {
    pub fn pending(sealed_request: String) -> Self {
        Resolution { pending: Some(Redacted::new(sealed_request)), ..Resolution::default() }
    }
}

/// `open(tries) --try--> open(tries+1) --finish--> finished`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordReset {
    /// `None` when no account matched (or before the worker resolved the start).
    pub target: Option<ResetTarget>,
    #[serde(default)]
    pub resolution: Resolution,
    pub expires_at: DateTime<Utc>,
    pub progress: Progress,
}

/// The code sent to one bound phone and the accounts it may reveal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LookupPhone {
    pub challenge_id: ChallengeId,
    pub accounts: Vec<AccountId>,
}

/// `open(tries) --try--> open(tries+1)`; per bound phone (keyed hash), its code and accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountLookup {
    pub phones: BTreeMap<String, LookupPhone>,
    #[serde(default)]
    pub resolution: Resolution,
    pub expires_at: DateTime<Utc>,
    pub progress: Progress,
}

crate::tried_flow!(PasswordReset, super::flow::FlowKind::PasswordReset, MAX_ATTEMPTS);

crate::tried_flow!(AccountLookup, super::flow::FlowKind::AccountLookup, MAX_ATTEMPTS);
