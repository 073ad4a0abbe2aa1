//! An appeal filed signed out [MFA-5, ACC-4, LIFE-1]: by a person who passed the password but
//! cannot pass the second factor (the sign-in's pending step names the account), or from the
//! recovery page by one who names an account but can receive no code ("以上验证均不可用"). It is
//! followed with its id and a secret shown once (no session). A stored flow:
//!
//! ```text
//! drafting (uploads; 2 hours) --submit--> filed(case)              (the password was proven)
//!     |                         '--submit--> submitted --the recovery worker--> filed(case)
//!     |                                                               '--> unmatched (due as a case)
//!     '-- 2 hours: expired
//! ```
//!
//! From the recovery page nothing is proven, so nothing answers whether an account matched
//! [REC-4]: the submission is the same either way, the worker looks the account up after the
//! answer, and an appeal that matched nothing (or met an open appeal of its kind) reads `in_review`
//! until the due time a case would have had, then `rejected` with a reason that names no account.

use super::account::SealedContact;
use super::calendar::add_working_days;
use super::case::{CaseKind, Material, Subject};
use super::flow::{Flow, FlowKind};
use super::ids::AccountId;
use super::login::CredentialRef;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long the appellant has to upload the material and submit.
pub const DRAFT_TTL: Duration = Duration::hours(2);
/// Filed appeals are kept this long (the appellant's reference works as long).
const KEEP: Duration = Duration::days(400);
/// What an appeal from the recovery page reads once its due time passed, matched or not.
pub const ANSWERED: &str = "answered: a decision on a matched appeal was sent by SMS to the new phone you proved; \
     without one, the material could not be matched to the account named";
/// What an appeal that matched nothing is told when its due time comes (names no account).
pub const NOT_ACCEPTED: &str =
    "the material could not be matched to the account named; check the account name and file again";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AppealState {
    Drafting,
    /// Waiting for the recovery worker to find the account (the material kept under the appeal).
    Submitted {
        at: DateTime<Utc>,
        material: Vec<Material>,
    },
    /// A review case was opened (its id is the appeal's).
    Filed,
    /// Nothing matched (or an appeal of this kind was open): not accepted from `due_at` on.
    Unmatched {
        due_at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedOutAppeal {
    pub kind: CaseKind,
    /// The account, when its password was proven (the sign-in's path).
    pub account: Option<(AccountId, CredentialRef)>,
    /// The recovery path: the account name as typed (field-key encrypted) and its kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub named: Option<(String, bool)>,
    /// Whose material it carries, as the appellant declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// A rebind's new phone, proven by its code when submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_phone: Option<SealedContact>,
    /// The keyed hash of the secret shown once.
    pub secret_hash: String,
    pub state: AppealState,
    pub created_at: DateTime<Utc>,
    /// When it was submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The steps of a signed-out appeal.
#[derive(Debug, Clone)]
pub enum AppealEvent {
    /// Submitted from the recovery page: the worker resolves it.
    Submit { subject: Subject, new_phone: Option<SealedContact>, material: Vec<Material> },
    /// Its case was opened.
    Filed { subject: Subject, new_phone: Option<SealedContact> },
    /// Nothing matched: not accepted at the due time a case would have had.
    Unmatched,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppealRefusal {
    #[error("the appeal is not at this step")]
    NotAtThisStep,
    #[error("the appeal's time to submit is over")]
    Expired,
}

impl SignedOutAppeal {
    /// The state its appellant reads, and until when (or why it was not accepted), at `now`;
    /// `None` once filed (the case tells).
    pub fn shown(&self, now: DateTime<Utc>) -> Option<(AppealProgress, Option<DateTime<Utc>>)> {
        match &self.state {
            AppealState::Drafting if now >= self.created_at + DRAFT_TTL => Some((AppealProgress::Expired, None)),
            AppealState::Drafting => Some((AppealProgress::Drafting, Some(self.created_at + DRAFT_TTL))),
            AppealState::Submitted { at, .. } => Some((AppealProgress::InReview, Some(due_from(self.kind, *at)))),
            AppealState::Unmatched { due_at } if now < *due_at => Some((AppealProgress::InReview, Some(*due_at))),
            AppealState::Unmatched { .. } => Some((AppealProgress::Rejected, None)),
            AppealState::Filed => None,
        }
    }
}

/// An appeal's progress as the person who filed it sees it (signed out: by its id and secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealProgress {
    /// Its material is being uploaded (until the draft expires).
    Drafting,
    /// Never submitted in time.
    Expired,
    InReview,
    /// A reviewer asked for some files again (what and why in the appeal's `material_request`).
    AwaitingMaterial,
    /// From the recovery page, where nothing was proven: the outcome went by SMS to the phone
    /// the appeal named, if any account matched [REC-4].
    Answered,
    Approved,
    Rejected,
    Withdrawn,
}

/// When a case of `kind` submitted at `at` is due (the same for a match and a miss).
pub fn due_from(kind: CaseKind, at: DateTime<Utc>) -> DateTime<Utc> {
    add_working_days(at, kind.working_days())
}

impl Flow for SignedOutAppeal {
    const KIND: FlowKind = FlowKind::SignedOutAppeal;
    type Event<'a> = AppealEvent;
    type Refusal = AppealRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        match self.state {
            AppealState::Drafting => self.created_at + DRAFT_TTL,
            _ => self.created_at + KEEP,
        }
    }

    fn apply(mut self, event: AppealEvent, now: DateTime<Utc>) -> Result<Self, AppealRefusal> {
        self.state = match (&self.state, event) {
            (AppealState::Drafting, _) if now >= self.created_at + DRAFT_TTL => return Err(AppealRefusal::Expired),
            (AppealState::Drafting, AppealEvent::Submit { subject, new_phone, material }) => {
                (self.subject, self.new_phone, self.submitted_at) = (Some(subject), new_phone, Some(now));
                AppealState::Submitted { at: now, material }
            }
            (AppealState::Drafting, AppealEvent::Filed { subject, new_phone }) => {
                (self.subject, self.new_phone, self.submitted_at) = (Some(subject), new_phone, Some(now));
                AppealState::Filed
            }
            (AppealState::Submitted { .. }, AppealEvent::Filed { .. }) => AppealState::Filed,
            (AppealState::Submitted { at, .. }, AppealEvent::Unmatched) => {
                AppealState::Unmatched { due_at: due_from(self.kind, *at) }
            }
            _ => return Err(AppealRefusal::NotAtThisStep),
        };
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn appeal(now: DateTime<Utc>) -> SignedOutAppeal {
        SignedOutAppeal {
            kind: CaseKind::PhoneRebind,
            account: None,
            named: Some(("sealed".into(), false)),
            subject: None,
            new_phone: None,
            secret_hash: "h".into(),
            state: AppealState::Drafting,
            created_at: now,
            submitted_at: None,
        }
    }

    #[test]
    fn an_appeal_that_matched_nothing_reads_as_in_review_until_its_due_time_then_ends() {
        // REC-4, LIFE-1
        let now: DateTime<Utc> = "2026-12-01T02:00:00Z".parse().unwrap();
        let submit = AppealEvent::Submit { subject: Subject::Person, new_phone: None, material: vec![] };
        let submitted = appeal(now).apply(submit.clone(), now).unwrap();
        let due = due_from(CaseKind::PhoneRebind, now);
        assert_eq!(submitted.shown(now), Some((AppealProgress::InReview, Some(due))));
        let unmatched = submitted.apply(AppealEvent::Unmatched, now).unwrap();
        assert_eq!(unmatched.shown(now), Some((AppealProgress::InReview, Some(due))), "the same as a match");
        assert_eq!(unmatched.shown(due), Some((AppealProgress::Rejected, None)));
        assert_eq!(appeal(now).apply(submit, now + DRAFT_TTL).unwrap_err(), AppealRefusal::Expired);
        assert_eq!(appeal(now).shown(now + DRAFT_TTL), Some((AppealProgress::Expired, None)));
    }
}
