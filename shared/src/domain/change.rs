//! Changes of the verified subject [CHG-1..CHG-5]: who owns the account changes only when the
//! change completes; until then the real name stays the original. A stored flow:
//!
//! ```text
//! person -> another person (CHG-5), within 1 day of starting:
//!   proving_owner --face passed / bank card matched--> awaiting_new_person
//!        |                                                 |--face passed / bank card matched--> completed
//!        |                                                 '--(a failed face check: start another)
//!        '-- withdraw, or 1 day passes (the sweeper) --> withdrawn
//! enterprise name (CHG-2), same code:
//!   (the registry confirms the new name) --> completed
//!   awaiting_material --material--> in_review(case) --approved--> completed
//!        |                             |--rejected--> rejected
//!        |                             '--the case withdrawn (even once claimed)--> withdrawn
//!        '-- withdraw --> withdrawn
//! another organisation (CHG-3):
//!   proving_owner --contact's face--> awaiting_form --form--> in_review(case)
//!        --approved--> awaiting_new_enterprise --verified within 9 days--> completed
//!        (rejected --> rejected; withdrawn --> withdrawn, as above)
//! person -> enterprise (CHG-4):
//!   proving_owner --proven--> awaiting_new_enterprise --verified--> completed
//! ```
//!
//! Every state ends [LIFE-1]: a state waiting on the user ends at its deadline (the day of
//! CHG-5, the 9 days of CHG-3, else 30 days after the change's last step: [`IDLE_LIMIT`]) or by
//! the owner's withdrawal; `in_review` ends with its case, decided in the same transaction or
//! withdrawn by the owner. At most one change completes per 30 days; one change is open per
//! account at a time.

use super::case::Material;
use super::case::ReviewOutcome;
use super::enterprise::Method;
pub use super::enterprise::NewSubject;
use super::flow::{Flow, FlowKind, Tries};
use super::ids::{AccountId, FlowId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// 《申请账号主体变更协议》, accepted when a change starts.
pub const APPLICATION_AGREEMENT: (&str, &str) = ("subject-change-application-agreement", "2024-06");
/// 《接受账号主体变更协议》, accepted before the new subject is submitted.
pub const ACCEPTANCE_AGREEMENT: (&str, &str) = ("subject-change-acceptance-agreement", "2024-06");
/// At most one change completes in this long [CHG-2, CHG-5].
pub const CHANGE_INTERVAL: Duration = Duration::days(30);
/// The new person must be submitted within this of starting [CHG-5].
pub const PERSON_CHANGE_WINDOW: Duration = Duration::days(1);
/// Bank-card tries within a change, for the current person and for the new one [CHG-5].
pub const MAX_CARD_TRIES: u32 = 5;
/// Attempts per enterprise method within a person -> enterprise change [CHG-4].
pub const MAX_CHANGE_ATTEMPTS: u32 = 5;
/// The new organisation verifies within this of the change's approval [CHG-3].
pub const NEW_SUBJECT_WINDOW: Duration = Duration::days(9);
/// The enterprise methods of a person -> enterprise change [CHG-4].
pub const CHANGE_METHODS: [Method; 2] = [Method::LegalFace, Method::CorporateTransfer];
/// A change waiting on its owner with no deadline of its own ends this long after its last step
/// [LIFE-1] (longer than any enterprise application's own waits: 10 days for a deposit, 8 to
/// enter it, 2 working days of review).
pub const IDLE_LIMIT: Duration = Duration::days(30);
/// Changes are kept this long (the history).
const KEEP: Duration = Duration::days(3 * 365);

/// A change's state as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeProgress {
    ProvingOwner,
    AwaitingNewPerson,
    AwaitingNewEnterprise,
    AwaitingForm,
    AwaitingMaterial,
    InReview,
    Completed,
    Rejected,
    Withdrawn,
}

impl ChangeProgress {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeProgress::ProvingOwner => "proving_owner",
            ChangeProgress::AwaitingNewPerson => "awaiting_new_person",
            ChangeProgress::AwaitingNewEnterprise => "awaiting_new_enterprise",
            ChangeProgress::AwaitingForm => "awaiting_form",
            ChangeProgress::AwaitingMaterial => "awaiting_material",
            ChangeProgress::InReview => "in_review",
            ChangeProgress::Completed => "completed",
            ChangeProgress::Rejected => "rejected",
            ChangeProgress::Withdrawn => "withdrawn",
        }
    }
}

/// The changes [CHG-1..CHG-5]; enterprise to person is never one [CHG-1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// CHG-2: the organisation's name, same unified social credit code.
    EnterpriseName,
    /// CHG-3: another organisation (another code).
    EnterpriseSubject,
    /// CHG-4: from a person to an organisation.
    PersonToEnterprise,
    /// CHG-5: from a person to another person.
    PersonToPerson,
    /// CHG-1: refused.
    EnterpriseToPerson,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::EnterpriseName => "enterprise_name",
            ChangeKind::EnterpriseSubject => "enterprise_subject",
            ChangeKind::PersonToEnterprise => "person_to_enterprise",
            ChangeKind::PersonToPerson => "person_to_person",
            ChangeKind::EnterpriseToPerson => "enterprise_to_person",
        }
    }
}

/// The change application form the system generates for a change of subject, to print, stamp by
/// both subjects and upload [CHG-3].
pub fn application_form(id: &FlowId, change: &SubjectChange, from_uscc: &str, contact_masked: &str) -> String {
    let (to_name, to_uscc, to_type) = change
        .new_subject
        .as_ref()
        .map(|n| (n.name.as_str(), n.uscc.as_str(), n.org_type.names().0))
        .unwrap_or_default();
    format!(
        "账号主体变更申请表 / Application to change the account's subject\n\n\
         变更编号 / Change: {id}\n\
         原主体 / Original subject: {from} ({from_uscc})\n\
         原主体联系人 / Its contact (face check passed): {contact_masked}\n\
         新主体 / New subject: {to_name} ({to_uscc}), {to_type}\n\
         变更理由 / Reason: {reason}\n\n\
         原主体盖章 / Seal of the original subject: ____________    日期 / Date: ________\n\
         新主体盖章 / Seal of the new subject: ____________    日期 / Date: ________\n\n\
         Print, stamp by both subjects (fresh red seals), photograph or scan, and upload it as\n\
         `change-form` (JPG or PNG, at most 4 MB).\n",
        from = change.from,
        reason = change.reason.as_deref().unwrap_or_default(),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChangeState {
    /// The current person proves themselves; a face session may be waiting for its result.
    ProvingOwner {
        face_session: Option<FlowId>,
    },
    /// The new person verifies; a face session may be waiting for its result.
    AwaitingNewPerson {
        face_session: Option<FlowId>,
    },
    /// The organisation verifies by legal-representative face or corporate transfer, at most 5
    /// attempts per method in this change [CHG-4].
    AwaitingNewEnterprise,
    /// CHG-3: the original contact passed; the stamped change application form is awaited.
    AwaitingForm,
    /// The registry did not confirm the new name: a registration change certificate or the change
    /// application form is needed.
    AwaitingMaterial,
    /// A reviewer decides (the case's state is the change's).
    InReview {
        case_id: FlowId,
    },
    Completed {
        at: DateTime<Utc>,
    },
    /// A reviewer did not approve it (its case names why).
    Rejected {
        at: DateTime<Utc>,
    },
    Withdrawn {
        at: DateTime<Utc>,
        by_system: bool,
    },
}

impl ChangeState {
    pub fn name(&self) -> &'static str {
        self.shown().as_str()
    }

    /// The state as the owner sees it.
    pub fn shown(&self) -> ChangeProgress {
        match self {
            ChangeState::ProvingOwner { .. } => ChangeProgress::ProvingOwner,
            ChangeState::AwaitingNewPerson { .. } => ChangeProgress::AwaitingNewPerson,
            ChangeState::AwaitingNewEnterprise => ChangeProgress::AwaitingNewEnterprise,
            ChangeState::AwaitingForm => ChangeProgress::AwaitingForm,
            ChangeState::AwaitingMaterial => ChangeProgress::AwaitingMaterial,
            ChangeState::InReview { .. } => ChangeProgress::InReview,
            ChangeState::Completed { .. } => ChangeProgress::Completed,
            ChangeState::Rejected { .. } => ChangeProgress::Rejected,
            ChangeState::Withdrawn { .. } => ChangeProgress::Withdrawn,
        }
    }

    /// Whether the change ended.
    pub fn is_over(&self) -> bool {
        matches!(self, ChangeState::Completed { .. } | ChangeState::Rejected { .. } | ChangeState::Withdrawn { .. })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubjectChange {
    pub account_id: AccountId,
    pub kind: ChangeKind,
    pub state: ChangeState,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bank-card tries of the current person, and of the new one [CHG-5].
    #[serde(default)]
    pub owner_card_tries: Tries,
    #[serde(default)]
    pub new_card_tries: Tries,
    /// The subject before and after, as shown (masked names, organisation names).
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// CHG-3: the new organisation, the reason, the original subject's contact (sealed) and when
    /// a reviewer approved (the new subject verifies within 9 days of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_subject: Option<NewSubject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<super::enterprise::SealedPerson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<DateTime<Utc>>,
    /// CHG-4: the enterprise attempts made in this change, per method.
    #[serde(default)]
    pub enterprise_attempts: std::collections::BTreeMap<Method, u32>,
    /// CHG-2: the new licence (and the supporting material), kept under the change.
    #[serde(default)]
    pub material: Vec<Material>,
    /// The review case that decided (or decides) it, kept once it ended to show its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<FlowId>,
}

#[derive(Debug, Clone)]
pub enum ChangeEvent<'a> {
    FaceStarted {
        session: &'a FlowId,
    },
    FaceFailed {
        session: &'a FlowId,
    },
    /// The current person passed (a face session's id, or none for a bank card).
    OwnerProven {
        session: Option<&'a FlowId>,
    },
    /// One bank-card try of the current person (`owner`) or of the new one, reserved before the
    /// bank is asked.
    CardTry {
        owner: bool,
    },
    /// The new person passed and the account now names them.
    Completed {
        session: Option<&'a FlowId>,
        to: String,
    },
    /// One attempt of an enterprise method, counted before any outside party is asked [CHG-4].
    EnterpriseAttempt {
        method: Method,
    },
    /// Its review case was decided (in the decision's transaction) or withdrawn [LIFE-1].
    Reviewed(ReviewOutcome),
    /// The organisation passed and the account now names it [CHG-4].
    EnterpriseVerified {
        to: String,
    },
    Review {
        case_id: FlowId,
    },
    Withdraw,
    Sweep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeRefusal {
    #[error("the change is not at this step")]
    NotAtThisStep,
    #[error("the change's time is over")]
    Expired,
    #[error("no bank-card tries are left in this change")]
    CardTriesExhausted,
    #[error("no attempts of this method are left in this change")]
    MethodExhausted,
    #[error("the face session is not the change's current one")]
    OtherSession,
    #[error("nothing is due yet")]
    NothingDue,
}

impl SubjectChange {
    pub fn new(account_id: AccountId, kind: ChangeKind, state: ChangeState, from: String, now: DateTime<Utc>) -> Self {
        SubjectChange {
            account_id,
            kind,
            state,
            started_at: now,
            updated_at: now,
            owner_card_tries: Tries::default(),
            new_card_tries: Tries::default(),
            enterprise_attempts: Default::default(),
            new_subject: None,
            reason: None,
            contact: None,
            approved_at: None,
            from,
            to: None,
            material: vec![],
            case: None,
        }
    }

    /// When the user must have taken the change's next step by: the day of a person's change
    /// [CHG-5], the 9 days of a new organisation [CHG-3], else 30 days after its last step
    /// [LIFE-1]; none while a reviewer decides or once it ended.
    pub fn submit_by(&self) -> Option<DateTime<Utc>> {
        match (self.kind, &self.state) {
            (ChangeKind::PersonToPerson, ChangeState::ProvingOwner { .. } | ChangeState::AwaitingNewPerson { .. }) => {
                Some(self.started_at + PERSON_CHANGE_WINDOW)
            }
            (ChangeKind::EnterpriseSubject, ChangeState::AwaitingNewEnterprise) if self.approved_at.is_some() => {
                self.approved_at.map(|at| at + NEW_SUBJECT_WINDOW)
            }
            _ if self.waits_for_user() => Some(self.updated_at + IDLE_LIMIT),
            _ => None,
        }
    }

    /// Whether it still holds the account's work open at `now` (not over, not past its deadline;
    /// one in review is open while its case is, which decides or withdraws it with the change).
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        !self.state.is_over() && self.submit_by().is_none_or(|by| now < by)
    }

    /// Whether the change still waits for the user (a change in review is open while its case is).
    pub fn waits_for_user(&self) -> bool {
        matches!(
            self.state,
            ChangeState::ProvingOwner { .. }
                | ChangeState::AwaitingNewPerson { .. }
                | ChangeState::AwaitingNewEnterprise
                | ChangeState::AwaitingForm
                | ChangeState::AwaitingMaterial
        )
    }

    /// The enterprise methods of this change and the attempts each allows: the legal
    /// representative's face and the corporate transfer, 5 each, for a person becoming an
    /// organisation [CHG-4]; every method, 10 each, for the new organisation of a change of
    /// organisation [CHG-3] (its own count, not the original organisation's).
    pub fn methods(&self) -> (&'static [Method], u32) {
        match self.kind {
            ChangeKind::EnterpriseSubject => (&Method::ALL, super::enterprise::MAX_ATTEMPTS_PER_METHOD),
            _ => (&CHANGE_METHODS, MAX_CHANGE_ATTEMPTS),
        }
    }

    /// The enterprise methods still open in this change [CHG-3, CHG-4].
    pub fn open_methods(&self) -> Vec<&'static str> {
        let (methods, max) = self.methods();
        methods
            .iter()
            .filter(|m| self.enterprise_attempts.get(m).copied().unwrap_or(0) < max)
            .map(|m| m.as_str())
            .collect()
    }

    fn on_time(&self, now: DateTime<Utc>) -> Result<(), ChangeRefusal> {
        match self.submit_by() {
            Some(by) if now >= by => Err(ChangeRefusal::Expired),
            _ => Ok(()),
        }
    }
}

impl Flow for SubjectChange {
    const KIND: FlowKind = FlowKind::SubjectChange;
    type Event<'a> = ChangeEvent<'a>;
    type Refusal = ChangeRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        self.started_at + KEEP
    }

    fn deadline(&self) -> Option<DateTime<Utc>> {
        self.submit_by()
    }

    fn owner(&self) -> Option<&AccountId> {
        Some(&self.account_id)
    }

    fn listed_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    fn apply(mut self, event: ChangeEvent<'_>, now: DateTime<Utc>) -> Result<Self, ChangeRefusal> {
        use ChangeEvent as E;
        use ChangeState as S;
        if !matches!(event, E::Sweep) {
            self.on_time(now)?;
        }
        self.state = match (self.state.clone(), event) {
            (S::ProvingOwner { .. }, E::FaceStarted { session }) => {
                S::ProvingOwner { face_session: Some(session.clone()) }
            }
            (S::AwaitingNewPerson { .. }, E::FaceStarted { session }) => {
                S::AwaitingNewPerson { face_session: Some(session.clone()) }
            }
            (S::ProvingOwner { face_session: Some(current) }, E::FaceFailed { session }) if current == *session => {
                S::ProvingOwner { face_session: None }
            }
            (S::AwaitingNewPerson { face_session: Some(current) }, E::FaceFailed { session })
                if current == *session =>
            {
                S::AwaitingNewPerson { face_session: None }
            }
            (S::ProvingOwner { face_session }, E::OwnerProven { session }) => {
                if session.is_some() && face_session.as_ref() != session {
                    return Err(ChangeRefusal::OtherSession);
                }
                match self.kind {
                    ChangeKind::PersonToEnterprise => S::AwaitingNewEnterprise,
                    ChangeKind::EnterpriseSubject => S::AwaitingForm,
                    _ => S::AwaitingNewPerson { face_session: None },
                }
            }
            (S::AwaitingNewEnterprise, E::EnterpriseAttempt { method }) => {
                let (methods, max) = self.methods();
                if !methods.contains(&method) {
                    return Err(ChangeRefusal::NotAtThisStep);
                }
                let used = self.enterprise_attempts.entry(method).or_default();
                if *used >= max {
                    return Err(ChangeRefusal::MethodExhausted);
                }
                *used += 1;
                S::AwaitingNewEnterprise
            }
            (S::AwaitingNewEnterprise, E::EnterpriseVerified { to }) => {
                self.to = Some(to);
                S::Completed { at: now }
            }
            (S::ProvingOwner { face_session }, E::CardTry { owner: true }) => {
                self.owner_card_tries =
                    self.owner_card_tries.reserve(MAX_CARD_TRIES).ok_or(ChangeRefusal::CardTriesExhausted)?;
                S::ProvingOwner { face_session }
            }
            (S::AwaitingNewPerson { face_session }, E::CardTry { owner: false }) => {
                self.new_card_tries =
                    self.new_card_tries.reserve(MAX_CARD_TRIES).ok_or(ChangeRefusal::CardTriesExhausted)?;
                S::AwaitingNewPerson { face_session }
            }
            (S::AwaitingNewPerson { face_session }, E::Completed { session, to }) => {
                if session.is_some() && face_session.as_ref() != session {
                    return Err(ChangeRefusal::OtherSession);
                }
                self.to = Some(to);
                S::Completed { at: now }
            }
            (S::AwaitingMaterial | S::AwaitingForm, E::Review { case_id }) => {
                self.case = Some(case_id.clone());
                S::InReview { case_id }
            }
            (S::InReview { .. }, E::Reviewed(outcome)) => match (outcome, self.kind) {
                (ReviewOutcome::Approved, ChangeKind::EnterpriseSubject) => {
                    self.approved_at = Some(now);
                    S::AwaitingNewEnterprise
                }
                (ReviewOutcome::Approved, ChangeKind::EnterpriseName) => S::Completed { at: now },
                (ReviewOutcome::Approved, _) => return Err(ChangeRefusal::NotAtThisStep),
                (ReviewOutcome::Rejected, _) => S::Rejected { at: now },
                (ReviewOutcome::Withdrawn, _) => S::Withdrawn { at: now, by_system: false },
            },
            (
                S::ProvingOwner { .. }
                | S::AwaitingNewPerson { .. }
                | S::AwaitingNewEnterprise
                | S::AwaitingForm
                | S::AwaitingMaterial,
                E::Withdraw,
            ) => S::Withdrawn { at: now, by_system: false },
            (_, E::Sweep) => {
                if self.submit_by().is_none_or(|by| now < by) {
                    return Err(ChangeRefusal::NothingDue);
                }
                S::Withdrawn { at: now, by_system: true }
            }
            _ => return Err(ChangeRefusal::NotAtThisStep),
        };
        self.updated_at = now;
        Ok(self)
    }
}

/// When a change may complete again after one completed at `last`.
pub fn next_change_from(last: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    last.map(|at| at + CHANGE_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-03-02T02:00:00Z".parse().unwrap()
    }

    fn person_change() -> SubjectChange {
        let state = ChangeState::ProvingOwner { face_session: None };
        SubjectChange::new(AccountId::from_raw("a"), ChangeKind::PersonToPerson, state, "张*".into(), now())
    }

    #[test]
    fn a_person_change_proves_the_owner_then_completes_with_the_new_person_within_a_day() {
        let s = FlowId::from_raw("s1");
        let c = person_change().apply(ChangeEvent::FaceStarted { session: &s }, now()).unwrap();
        let other = FlowId::from_raw("s2");
        assert_eq!(
            c.clone().apply(ChangeEvent::OwnerProven { session: Some(&other) }, now()).unwrap_err(),
            ChangeRefusal::OtherSession
        );
        let proven = c.apply(ChangeEvent::OwnerProven { session: Some(&s) }, now()).unwrap();
        assert_eq!(proven.state, ChangeState::AwaitingNewPerson { face_session: None });
        let done = proven.clone().apply(ChangeEvent::Completed { session: None, to: "李*".into() }, now()).unwrap();
        assert!(matches!(done.state, ChangeState::Completed { .. }));
        assert_eq!(done.deadline(), None);
        assert!(done.apply(ChangeEvent::Withdraw, now()).is_err(), "a completed change is not withdrawn");
        let late = now() + PERSON_CHANGE_WINDOW;
        assert_eq!(
            proven.clone().apply(ChangeEvent::Completed { session: None, to: "李*".into() }, late).unwrap_err(),
            ChangeRefusal::Expired
        );
        let swept = proven.apply(ChangeEvent::Sweep, late).unwrap();
        assert_eq!(swept.state, ChangeState::Withdrawn { at: late, by_system: true });
    }

    #[test]
    fn bank_card_tries_are_five_for_each_person() {
        let mut c = person_change();
        for _ in 0..MAX_CARD_TRIES {
            c = c.apply(ChangeEvent::CardTry { owner: true }, now()).unwrap();
        }
        assert_eq!(
            c.clone().apply(ChangeEvent::CardTry { owner: true }, now()).unwrap_err(),
            ChangeRefusal::CardTriesExhausted
        );
        let proven = c.apply(ChangeEvent::OwnerProven { session: None }, now()).unwrap();
        assert!(proven.apply(ChangeEvent::CardTry { owner: false }, now()).is_ok(), "the new person's own tries");
    }

    #[test]
    fn a_person_to_enterprise_change_counts_five_attempts_per_method() {
        let state = ChangeState::ProvingOwner { face_session: None };
        let c =
            SubjectChange::new(AccountId::from_raw("a"), ChangeKind::PersonToEnterprise, state, "张*".into(), now());
        let mut c = c.apply(ChangeEvent::OwnerProven { session: None }, now()).unwrap();
        assert_eq!(c.state, ChangeState::AwaitingNewEnterprise);
        for _ in 0..MAX_CHANGE_ATTEMPTS {
            c = c.apply(ChangeEvent::EnterpriseAttempt { method: Method::LegalFace }, now()).unwrap();
        }
        let face = ChangeEvent::EnterpriseAttempt { method: Method::LegalFace };
        assert_eq!(c.clone().apply(face, now()).unwrap_err(), ChangeRefusal::MethodExhausted);
        assert_eq!(c.open_methods(), ["corporate_transfer"]);
        let recharge = ChangeEvent::EnterpriseAttempt { method: Method::Recharge };
        assert!(c.clone().apply(recharge, now()).is_err(), "not a method of this change");
        let done = c.apply(ChangeEvent::EnterpriseVerified { to: "某公司".into() }, now()).unwrap();
        assert!(matches!(done.state, ChangeState::Completed { .. }));
    }

    #[test]
    fn every_state_of_every_kind_reaches_an_end_by_its_deadline_its_case_or_its_owner() {
        // LIFE-1: a state waiting on the owner has a deadline at which the sweeper withdraws it
        // and may be withdrawn now; `in_review` ends with its case (an approved change of
        // organisation waits 9 days for the new subject, then ends likewise).
        use crate::domain::case::ReviewOutcome as R;
        let t = now();
        let s = FlowId::from_raw("s1");
        let states = [
            ChangeState::ProvingOwner { face_session: Some(s.clone()) },
            ChangeState::AwaitingNewPerson { face_session: None },
            ChangeState::AwaitingNewEnterprise,
            ChangeState::AwaitingForm,
            ChangeState::AwaitingMaterial,
            ChangeState::InReview { case_id: FlowId::from_raw("c1") },
            ChangeState::Completed { at: t },
            ChangeState::Rejected { at: t },
            ChangeState::Withdrawn { at: t, by_system: false },
        ];
        let kinds = [
            ChangeKind::EnterpriseName,
            ChangeKind::EnterpriseSubject,
            ChangeKind::PersonToEnterprise,
            ChangeKind::PersonToPerson,
        ];
        for kind in kinds {
            for state in states.clone() {
                let mut c = SubjectChange::new(AccountId::from_raw("a"), kind, state.clone(), "x".into(), t);
                if kind == ChangeKind::EnterpriseSubject && state == ChangeState::AwaitingNewEnterprise {
                    c.approved_at = Some(t);
                }
                if c.state.is_over() {
                    assert_eq!((c.deadline(), c.open_at(t)), (None, false), "{kind:?} {state:?}");
                    continue;
                }
                if let ChangeState::InReview { .. } = state {
                    assert_eq!(c.deadline(), None, "a case waits on staff");
                    for outcome in [R::Rejected, R::Withdrawn] {
                        assert!(c.clone().apply(ChangeEvent::Reviewed(outcome), t).unwrap().state.is_over());
                    }
                    match c.clone().apply(ChangeEvent::Reviewed(R::Approved), t) {
                        Ok(next) => assert!(next.state.is_over() || next.deadline().is_some(), "{kind:?}"),
                        Err(_) => assert!(
                            matches!(kind, ChangeKind::PersonToEnterprise | ChangeKind::PersonToPerson),
                            "only the organisation's changes are reviewed"
                        ),
                    }
                    continue;
                }
                let deadline = c.deadline().unwrap_or_else(|| panic!("{kind:?} {state:?} waits without a deadline"));
                assert!(c.open_at(t) && !c.open_at(deadline));
                let swept = c.clone().apply(ChangeEvent::Sweep, deadline).unwrap();
                assert_eq!(swept.state, ChangeState::Withdrawn { at: deadline, by_system: true }, "{kind:?} {state:?}");
                assert!(c.apply(ChangeEvent::Withdraw, t).unwrap().state.is_over(), "{kind:?} {state:?}");
            }
        }
    }
}
