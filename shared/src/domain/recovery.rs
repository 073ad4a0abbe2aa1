//! Recovery flows [REC-1..REC-4]: the captcha (one check), the password reset and the account
//! lookup (a code to the bound phone, five tries, fifteen minutes). A reset or lookup that matched
//! nothing is stored all the same, so its answers are alike.

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

/// `open(tries) --try--> open(tries+1) --finish--> finished`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PasswordReset {
    /// `None` when no account matched.
    pub target: Option<ResetTarget>,
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
    pub expires_at: DateTime<Utc>,
    pub progress: Progress,
}

crate::tried_flow!(PasswordReset, super::flow::FlowKind::PasswordReset, MAX_ATTEMPTS);

crate::tried_flow!(AccountLookup, super::flow::FlowKind::AccountLookup, MAX_ATTEMPTS);
