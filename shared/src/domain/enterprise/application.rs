//! An enterprise verification application, a stored flow [KYC-E4..KYC-E6]:
//!
//! ```text
//! legal_face / corporate_transfer:
//!   awaiting_face --face failed--> awaiting_face (the QR is dead; a refresh is a new attempt)
//!        |  '--(1 day without a pass)--> failed(face_not_passed) (the sweeper)
//!        |--pass, company--------------------------------> verified
//!        |--pass, other organisation---------------------> in_review(case) -> (the case decides)
//!        '--pass, corporate transfer--> paying --arrived--> awaiting_amount --right--> verified
//!                                         |  |                  |   \--right, risk--> in_review(case)
//!                                         |  |                  |--2 wrong / 8 days--> failed
//!                                         |  '--2 wrong / 10 days--> failed
//!                                         '--payout failed(reason)--> failed
//! in_review(case) --approved--> verified       (in the decision's transaction)
//!        '--rejected / the case withdrawn--> failed(rejected / withdrawn)
//! recharge:
//!   awaiting_transfer --exact amount, exact name, in time--> verified
//!        |--anything else--> failed(transfer_mismatch)
//!        '--3 days--> failed(no_transfer)
//! any state but awaiting_transfer --withdraw (the owner)--> failed(withdrawn)
//! ```
//!
//! Every state ends [LIFE-1]: the user's states by a deadline the sweeper enforces (or the
//! owner's withdrawal), `in_review` by its case (a decision, or the owner withdrawing it).
//!
//! While `paying` has not reached the payout provider, its sweep deadline is a minute away (the
//! sweeper asks again, under the same idempotency key). Amounts are never kept in clear: a keyed
//! hash to compare, and (to pay, or to show the recharge's amount to its owner) encrypted.

use super::{Failure, Method, Organisation, Role, SealedPerson};
use crate::domain::case::{Material, ReviewOutcome};
use crate::domain::flow::{Flow, FlowKind};
use crate::domain::ids::{AccountId, FlowId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The corporate transfer's amount must be entered within this of its arrival [KYC-E5].
pub const AMOUNT_WINDOW: Duration = Duration::days(8);
/// The recharge must arrive within this [KYC-E6].
pub const RECHARGE_WINDOW: Duration = Duration::days(3);
/// Wrong entries that end an attempt whose deposit has not arrived [KYC-E5].
pub const WRONG_BEFORE_ARRIVAL: u32 = 2;
/// Wrong entries that end an attempt after the deposit arrived: two, as before it
/// (任意输入两次错误的金额后，重新发起) [KYC-E5].
pub const WRONG_AFTER_ARRIVAL: u32 = 2;
/// An application waits this long for a passing face check.
pub const FACE_STAGE: Duration = Duration::days(1);
/// A deposit neither arrived nor failed after this is given up.
pub const DEPOSIT_WAIT: Duration = Duration::days(10);
/// A payout not yet accepted by the provider is asked again after this.
pub const PAYOUT_RETRY: Duration = Duration::minutes(1);
/// Applications are kept this long (the user's history).
const KEEP: Duration = Duration::days(400);

/// The bank account a corporate transfer pays into, and its amount (sealed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransferDetails {
    pub bank_code: String,
    pub bank_name: String,
    pub account_encrypted: String,
    pub account_masked: String,
    pub amount_encrypted: String,
    pub amount_hash: String,
}

/// The amount a recharge must bring (sealed; shown to its owner) and where to send it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RechargeDetails {
    pub amount_encrypted: String,
    pub amount_hash: String,
    pub receiving_account_masked: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ApplicationState {
    AwaitingFace {
        /// The face session whose result is awaited (none after a failure, until a refresh).
        session: Option<FlowId>,
        failed_checks: u32,
    },
    Paying {
        /// When the payout provider accepted the payout (none: to be asked again).
        requested_at: Option<DateTime<Utc>>,
        wrong_entries: u32,
    },
    AwaitingAmount {
        arrived_at: DateTime<Utc>,
        wrong_entries: u32,
    },
    AwaitingTransfer,
    InReview {
        case_id: FlowId,
    },
    Verified {
        at: DateTime<Utc>,
    },
    Failed {
        failure: Failure,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnterpriseApplication {
    pub account_id: AccountId,
    pub method: Method,
    pub organisation: Organisation,
    /// Who does the face check (none for a recharge), and as whom.
    pub person: Option<(Role, SealedPerson)>,
    /// The certificate (and the authorisation letter), kept under the application.
    pub material: Vec<Material>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recharge: Option<RechargeDetails>,
    pub state: ApplicationState,
    /// The subject change this application completes (person -> enterprise) [CHG-4].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<FlowId>,
    /// The review case that decided (or decides) it, kept once it ended to show its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<FlowId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What follows a passing face check (the use case decides from the method and organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFace {
    Verify,
    Review(FlowId),
    Pay,
}

#[derive(Debug, Clone)]
pub enum ApplicationEvent<'a> {
    FaceStarted {
        session: &'a FlowId,
    },
    FacePassed {
        session: &'a FlowId,
        then: AfterFace,
    },
    FaceFailed {
        session: &'a FlowId,
    },
    PayoutRequested,
    PayoutArrived {
        at: DateTime<Utc>,
    },
    PayoutFailed(Failure),
    /// The right amount; with a case when a risk rule sends it to review.
    AmountRight {
        review: Option<FlowId>,
    },
    /// A wrong amount; with the case it goes to review under when it is the last entry allowed
    /// (issue 25: two wrong amounts go to a person, never silently to a new attempt).
    AmountWrong {
        review: Option<FlowId>,
    },
    /// A recharge arrived: whether amount and payer's name are exactly as asked.
    TransferArrived {
        exact: bool,
    },
    /// The account was verified by another application.
    Supersede,
    /// Its review case was decided (in the decision's transaction) or withdrawn.
    Reviewed(ReviewOutcome),
    /// The owner withdraws it.
    Withdraw,
    Sweep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationRefusal {
    #[error("the application is not at this step")]
    NotAtThisStep,
    #[error("the face session is not the application's current one")]
    OtherSession,
    #[error("the application waited too long for its face check")]
    FaceStageOver,
    #[error("nothing is due yet")]
    NothingDue,
}

impl EnterpriseApplication {
    /// When the application stops waiting for a face check.
    pub fn face_stage_until(&self) -> DateTime<Utc> {
        self.created_at + FACE_STAGE
    }

    /// The time the user must act by, where there is one: enter the amount, transfer the money,
    /// pass the face check.
    pub fn user_deadline(&self) -> Option<DateTime<Utc>> {
        match &self.state {
            ApplicationState::AwaitingFace { .. } => Some(self.face_stage_until()),
            ApplicationState::AwaitingAmount { arrived_at, .. } => Some(*arrived_at + AMOUNT_WINDOW),
            ApplicationState::AwaitingTransfer => Some(self.created_at + RECHARGE_WINDOW),
            _ => None,
        }
    }

    /// Whether the application ended (verified or failed).
    pub fn is_over(&self) -> bool {
        matches!(self.state, ApplicationState::Verified { .. } | ApplicationState::Failed { .. })
    }

    /// Whether its owner may withdraw it: anything not over, but a recharge (its receiving
    /// account waits for the money; it ends by itself within 3 days).
    pub fn withdrawable(&self) -> bool {
        !self.is_over() && !matches!(self.state, ApplicationState::AwaitingTransfer)
    }

    /// Whether it still holds the account's work open at `now`: not over, and not past a deadline
    /// after which the sweeper ends it.
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        !self.is_over() && self.user_deadline().is_none_or(|d| now < d)
    }

    fn fail(mut self, failure: Failure, now: DateTime<Utc>) -> Self {
        self.state = ApplicationState::Failed { failure, at: now };
        self
    }

    /// Counts a wrong entry; the last one allowed sends the application to review under `review`
    /// (without one it fails, as before a case could be opened).
    fn wrong_entry(mut self, now: DateTime<Utc>, review: Option<FlowId>) -> Result<Self, ApplicationRefusal> {
        if let ApplicationState::AwaitingAmount { arrived_at, .. } = self.state {
            if now >= arrived_at + AMOUNT_WINDOW {
                return Err(ApplicationRefusal::NotAtThisStep);
            }
        }
        let last = match self.state {
            ApplicationState::Paying { wrong_entries, .. } => wrong_entries + 1 >= WRONG_BEFORE_ARRIVAL,
            ApplicationState::AwaitingAmount { wrong_entries, .. } => wrong_entries + 1 >= WRONG_AFTER_ARRIVAL,
            _ => return Err(ApplicationRefusal::NotAtThisStep),
        };
        if last {
            return Ok(match review {
                Some(case_id) => {
                    self.state = self.review(case_id);
                    self
                }
                None => self.fail(Failure::WrongAmount, now),
            });
        }
        self.state = match self.state {
            ApplicationState::Paying { requested_at, wrong_entries } => {
                ApplicationState::Paying { requested_at, wrong_entries: wrong_entries + 1 }
            }
            ApplicationState::AwaitingAmount { arrived_at, wrong_entries } => {
                ApplicationState::AwaitingAmount { arrived_at, wrong_entries: wrong_entries + 1 }
            }
            _ => return Err(ApplicationRefusal::NotAtThisStep),
        };
        Ok(self)
    }

    /// Whether the next wrong entry is the last one allowed (it sends the application to review).
    pub fn next_wrong_entry_is_last(&self) -> bool {
        matches!(self.state, ApplicationState::Paying { .. } | ApplicationState::AwaitingAmount { .. })
            && self.entries_left() <= 1
    }

    /// Wrong entries left before the attempt ends (for the answer to a wrong amount).
    pub fn entries_left(&self) -> u32 {
        match self.state {
            ApplicationState::Paying { wrong_entries, .. } => WRONG_BEFORE_ARRIVAL.saturating_sub(wrong_entries),
            ApplicationState::AwaitingAmount { wrong_entries, .. } => WRONG_AFTER_ARRIVAL.saturating_sub(wrong_entries),
            _ => 0,
        }
    }
}

impl Flow for EnterpriseApplication {
    const KIND: FlowKind = FlowKind::EnterpriseApplication;
    type Event<'a> = ApplicationEvent<'a>;
    type Refusal = ApplicationRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        self.created_at + KEEP
    }

    fn deadline(&self) -> Option<DateTime<Utc>> {
        match &self.state {
            ApplicationState::AwaitingFace { .. } => Some(self.face_stage_until()),
            ApplicationState::Paying { requested_at: None, .. } => Some(self.updated_at + PAYOUT_RETRY),
            ApplicationState::Paying { requested_at: Some(at), .. } => Some(*at + DEPOSIT_WAIT),
            ApplicationState::AwaitingAmount { arrived_at, .. } => Some(*arrived_at + AMOUNT_WINDOW),
            ApplicationState::AwaitingTransfer => Some(self.created_at + RECHARGE_WINDOW),
            _ => None,
        }
    }

    fn owner(&self) -> Option<&AccountId> {
        Some(&self.account_id)
    }

    fn listed_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    fn apply(mut self, event: ApplicationEvent<'_>, now: DateTime<Utc>) -> Result<Self, ApplicationRefusal> {
        use ApplicationEvent as E;
        use ApplicationState as S;
        let state = self.state.clone();
        let next = match (state, event) {
            (S::AwaitingFace { failed_checks, .. }, E::FaceStarted { session }) => {
                if now >= self.face_stage_until() {
                    return Err(ApplicationRefusal::FaceStageOver);
                }
                S::AwaitingFace { session: Some(session.clone()), failed_checks }
            }
            (S::AwaitingFace { session: Some(current), failed_checks }, E::FaceFailed { session }) => {
                if current != *session {
                    return Err(ApplicationRefusal::OtherSession);
                }
                S::AwaitingFace { session: None, failed_checks: failed_checks + 1 }
            }
            (S::AwaitingFace { session: Some(current), .. }, E::FacePassed { session, then }) => {
                if current != *session {
                    return Err(ApplicationRefusal::OtherSession);
                }
                match then {
                    AfterFace::Verify => S::Verified { at: now },
                    AfterFace::Review(case_id) => self.review(case_id),
                    AfterFace::Pay => S::Paying { requested_at: None, wrong_entries: 0 },
                }
            }
            (S::Paying { requested_at: None, wrong_entries }, E::PayoutRequested) => {
                S::Paying { requested_at: Some(now), wrong_entries }
            }
            (S::Paying { wrong_entries, .. }, E::PayoutArrived { at }) => {
                S::AwaitingAmount { arrived_at: at.min(now), wrong_entries }
            }
            (S::Paying { .. }, E::PayoutFailed(failure)) => return Ok(self.fail(failure, now)),
            (S::Paying { .. }, E::AmountRight { review }) => match review {
                Some(case_id) => self.review(case_id),
                None => S::Verified { at: now },
            },
            (S::AwaitingAmount { arrived_at, .. }, E::AmountRight { review }) => {
                if now >= arrived_at + AMOUNT_WINDOW {
                    return Err(ApplicationRefusal::NotAtThisStep);
                }
                match review {
                    Some(case_id) => self.review(case_id),
                    None => S::Verified { at: now },
                }
            }
            (S::Paying { .. } | S::AwaitingAmount { .. }, E::AmountWrong { review }) => {
                let next = self.wrong_entry(now, review)?;
                return Ok(EnterpriseApplication { updated_at: now, ..next });
            }
            (S::AwaitingTransfer, E::TransferArrived { exact }) => {
                let in_time = now < self.created_at + RECHARGE_WINDOW;
                if exact && in_time {
                    S::Verified { at: now }
                } else {
                    S::Failed { failure: Failure::TransferMismatch, at: now }
                }
            }
            (
                S::AwaitingFace { .. } | S::Paying { .. } | S::AwaitingAmount { .. } | S::AwaitingTransfer,
                E::Supersede,
            ) => S::Failed { failure: Failure::Superseded, at: now },
            (S::InReview { .. }, E::Reviewed(outcome)) => match outcome {
                ReviewOutcome::Approved => S::Verified { at: now },
                ReviewOutcome::Rejected => S::Failed { failure: Failure::Rejected, at: now },
                ReviewOutcome::Withdrawn => S::Failed { failure: Failure::Withdrawn, at: now },
            },
            // One in review is withdrawn through its case (the case's withdrawal moves it).
            (S::AwaitingFace { .. } | S::Paying { .. } | S::AwaitingAmount { .. }, E::Withdraw) => {
                S::Failed { failure: Failure::Withdrawn, at: now }
            }
            (_, E::Sweep) => {
                if self.deadline().is_none_or(|d| now < d) {
                    return Err(ApplicationRefusal::NothingDue);
                }
                match self.state {
                    S::AwaitingFace { .. } => S::Failed { failure: Failure::FaceNotPassed, at: now },
                    S::Paying { requested_at: Some(_), .. } => {
                        S::Failed { failure: Failure::DepositNeverArrived, at: now }
                    }
                    S::AwaitingAmount { .. } => S::Failed { failure: Failure::AmountNotEntered, at: now },
                    S::AwaitingTransfer => S::Failed { failure: Failure::NoTransfer, at: now },
                    // A payout still to request is the sweeper's to send, not to expire.
                    _ => return Err(ApplicationRefusal::NothingDue),
                }
            }
            _ => return Err(ApplicationRefusal::NotAtThisStep),
        };
        self.state = next;
        self.updated_at = now;
        Ok(self)
    }
}

impl EnterpriseApplication {
    /// Goes to review by `case_id` (kept to show the case's outcome once it ended).
    fn review(&mut self, case_id: FlowId) -> ApplicationState {
        self.case = Some(case_id.clone());
        ApplicationState::InReview { case_id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enterprise::{OrgType, Uscc};

    fn app(method: Method, state: ApplicationState, now: DateTime<Utc>) -> EnterpriseApplication {
        let person = SealedPerson {
            name_encrypted: "x".into(),
            name_masked: "*三".into(),
            id_number_encrypted: "y".into(),
            id_number_masked: "1****X".into(),
            document_type: Default::default(),
        };
        EnterpriseApplication {
            account_id: AccountId::from_raw("a1"),
            method,
            organisation: Organisation {
                org_type: OrgType::Enterprise,
                name: "某某科技有限公司".into(),
                uscc: Uscc::parse("91350100M000100Y43").unwrap(),
                legal_representative: person.clone(),
            },
            person: Some((Role::Handler, person)),
            material: vec![],
            transfer: None,
            recharge: None,
            state,
            change: None,
            case: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-03-02T02:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_failed_face_check_kills_its_session_and_a_refresh_opens_another() {
        let (s1, s2) = (FlowId::from_raw("s1"), FlowId::from_raw("s2"));
        let a = app(
            Method::LegalFace,
            ApplicationState::AwaitingFace { session: Some(s1.clone()), failed_checks: 0 },
            now(),
        );
        let failed = a.apply(ApplicationEvent::FaceFailed { session: &s1 }, now()).unwrap();
        assert_eq!(failed.state, ApplicationState::AwaitingFace { session: None, failed_checks: 1 });
        let pass_dead = ApplicationEvent::FacePassed { session: &s1, then: AfterFace::Verify };
        assert_eq!(failed.clone().apply(pass_dead, now()).unwrap_err(), ApplicationRefusal::NotAtThisStep);
        let refreshed = failed.apply(ApplicationEvent::FaceStarted { session: &s2 }, now()).unwrap();
        let pass_old = ApplicationEvent::FacePassed { session: &s1, then: AfterFace::Verify };
        assert_eq!(refreshed.clone().apply(pass_old, now()).unwrap_err(), ApplicationRefusal::OtherSession);
        let verified =
            refreshed.apply(ApplicationEvent::FacePassed { session: &s2, then: AfterFace::Verify }, now()).unwrap();
        assert!(matches!(verified.state, ApplicationState::Verified { .. }));
        let late = app(Method::LegalFace, ApplicationState::AwaitingFace { session: None, failed_checks: 1 }, now());
        let err = late.apply(ApplicationEvent::FaceStarted { session: &s2 }, now() + FACE_STAGE).unwrap_err();
        assert_eq!(err, ApplicationRefusal::FaceStageOver);
    }

    #[test]
    fn two_wrong_entries_send_a_transfer_to_review_before_and_after_arrival() {
        let wrong = ApplicationEvent::AmountWrong { review: None };
        let to_review = |id: &str| ApplicationEvent::AmountWrong { review: Some(FlowId::from_raw(id)) };
        let paying = app(
            Method::CorporateTransfer,
            ApplicationState::Paying { requested_at: Some(now()), wrong_entries: 0 },
            now(),
        );
        assert!(!paying.next_wrong_entry_is_last());
        let once = paying.apply(wrong.clone(), now()).unwrap();
        assert_eq!(once.entries_left(), 1);
        assert!(once.next_wrong_entry_is_last());
        let twice = once.clone().apply(to_review("case-1"), now()).unwrap();
        assert!(matches!(&twice.state, ApplicationState::InReview { case_id } if case_id.as_str() == "case-1"));
        assert!(twice.apply(ApplicationEvent::AmountRight { review: None }, now()).is_err());
        let without_case = once.apply(wrong.clone(), now()).unwrap();
        assert!(matches!(without_case.state, ApplicationState::Failed { failure: Failure::WrongAmount, .. }));

        let arrived = app(
            Method::CorporateTransfer,
            ApplicationState::AwaitingAmount { arrived_at: now(), wrong_entries: 0 },
            now(),
        );
        let once = arrived.apply(wrong, now()).unwrap();
        assert_eq!(once.entries_left(), 1);
        let right = once.clone().apply(ApplicationEvent::AmountRight { review: None }, now()).unwrap();
        assert!(matches!(right.state, ApplicationState::Verified { .. }));
        let second = once.apply(to_review("case-2"), now()).unwrap();
        assert!(matches!(second.state, ApplicationState::InReview { .. }));
    }

    #[test]
    fn the_amount_is_entered_within_eight_days_of_arrival_or_the_sweeper_ends_it() {
        let arrived_at = now() + Duration::days(1);
        let a =
            app(Method::CorporateTransfer, ApplicationState::AwaitingAmount { arrived_at, wrong_entries: 0 }, now());
        assert_eq!(a.deadline(), Some(arrived_at + AMOUNT_WINDOW));
        let just_before = arrived_at + AMOUNT_WINDOW - Duration::seconds(1);
        assert_eq!(a.clone().apply(ApplicationEvent::Sweep, just_before).unwrap_err(), ApplicationRefusal::NothingDue);
        assert!(a.clone().apply(ApplicationEvent::AmountRight { review: None }, just_before).is_ok());
        let after = arrived_at + AMOUNT_WINDOW;
        assert!(a.clone().apply(ApplicationEvent::AmountRight { review: None }, after).is_err());
        let swept = a.apply(ApplicationEvent::Sweep, after).unwrap();
        assert!(matches!(swept.state, ApplicationState::Failed { failure: Failure::AmountNotEntered, .. }));
        assert_eq!(swept.deadline(), None);
    }

    #[test]
    fn a_risk_hit_goes_to_review_and_payout_outcomes_apply_once() {
        let paying =
            app(Method::CorporateTransfer, ApplicationState::Paying { requested_at: None, wrong_entries: 0 }, now());
        assert_eq!(paying.deadline(), Some(now() + PAYOUT_RETRY));
        assert_eq!(
            paying.clone().apply(ApplicationEvent::Sweep, now() + PAYOUT_RETRY).unwrap_err(),
            ApplicationRefusal::NothingDue
        );
        let requested = paying.apply(ApplicationEvent::PayoutRequested, now()).unwrap();
        assert!(requested.clone().apply(ApplicationEvent::PayoutRequested, now()).is_err());
        let arrived = requested.clone().apply(ApplicationEvent::PayoutArrived { at: now() }, now()).unwrap();
        assert!(arrived.clone().apply(ApplicationEvent::PayoutArrived { at: now() }, now()).is_err());
        assert!(arrived.clone().apply(ApplicationEvent::PayoutFailed(Failure::NameMismatch), now()).is_err());
        let case = FlowId::from_raw("c1");
        let review = arrived.apply(ApplicationEvent::AmountRight { review: Some(case.clone()) }, now()).unwrap();
        assert_eq!(review.state, ApplicationState::InReview { case_id: case });
        let failed =
            requested.clone().apply(ApplicationEvent::PayoutFailed(Failure::AccountUnsupported), now()).unwrap();
        assert!(matches!(failed.state, ApplicationState::Failed { failure: Failure::AccountUnsupported, .. }));
        let never = requested.apply(ApplicationEvent::Sweep, now() + DEPOSIT_WAIT).unwrap();
        assert!(matches!(never.state, ApplicationState::Failed { failure: Failure::DepositNeverArrived, .. }));
    }

    #[test]
    fn a_recharge_verifies_only_exactly_and_in_time() {
        let a = app(Method::Recharge, ApplicationState::AwaitingTransfer, now());
        assert_eq!(a.deadline(), Some(now() + RECHARGE_WINDOW));
        let ok = a.clone().apply(ApplicationEvent::TransferArrived { exact: true }, now() + Duration::days(2)).unwrap();
        assert!(matches!(ok.state, ApplicationState::Verified { .. }));
        let wrong = a.clone().apply(ApplicationEvent::TransferArrived { exact: false }, now()).unwrap();
        assert!(matches!(wrong.state, ApplicationState::Failed { failure: Failure::TransferMismatch, .. }));
        let late = a.clone().apply(ApplicationEvent::TransferArrived { exact: true }, now() + RECHARGE_WINDOW).unwrap();
        assert!(matches!(late.state, ApplicationState::Failed { .. }));
        let swept = a.apply(ApplicationEvent::Sweep, now() + RECHARGE_WINDOW).unwrap();
        assert!(matches!(swept.state, ApplicationState::Failed { failure: Failure::NoTransfer, .. }));
        assert!(swept.apply(ApplicationEvent::TransferArrived { exact: true }, now()).is_err());
    }

    #[test]
    fn every_state_reaches_an_end_by_its_deadline_its_case_or_its_owner() {
        // LIFE-1: each state but the two ends is left by the sweeper at its deadline (a payout
        // still to request is asked again, then waits its deadline), by its case's outcome, or by
        // the owner's withdrawal; the states listed here are every variant of the enum.
        let t = now();
        let case = FlowId::from_raw("c1");
        let states = [
            ApplicationState::AwaitingFace { session: None, failed_checks: 0 },
            ApplicationState::Paying { requested_at: None, wrong_entries: 0 },
            ApplicationState::Paying { requested_at: Some(t), wrong_entries: 1 },
            ApplicationState::AwaitingAmount { arrived_at: t, wrong_entries: 1 },
            ApplicationState::AwaitingTransfer,
            ApplicationState::InReview { case_id: case.clone() },
            ApplicationState::Verified { at: t },
            ApplicationState::Failed { failure: Failure::Withdrawn, at: t },
        ];
        for state in states {
            let a = app(Method::CorporateTransfer, state.clone(), t);
            if a.is_over() {
                assert_eq!(a.deadline(), None, "{state:?}");
                assert!(a.clone().apply(ApplicationEvent::Withdraw, t).is_err(), "{state:?}");
                continue;
            }
            let ends = |a: EnterpriseApplication, e: ApplicationEvent<'_>, at| a.apply(e, at).map(|n| n.is_over());
            if let ApplicationState::InReview { .. } = state {
                assert_eq!(a.deadline(), None, "a case waits on staff");
                for outcome in [ReviewOutcome::Approved, ReviewOutcome::Rejected, ReviewOutcome::Withdrawn] {
                    assert_eq!(ends(a.clone(), ApplicationEvent::Reviewed(outcome), t), Ok(true), "{outcome:?}");
                }
                assert!(a.withdrawable(), "through its case");
                continue;
            }
            let mut waiting = a.clone();
            if let ApplicationState::Paying { requested_at: None, .. } = state {
                waiting = waiting.apply(ApplicationEvent::PayoutRequested, t).unwrap();
            }
            let deadline = waiting.deadline().unwrap_or_else(|| panic!("{state:?} waits without a deadline"));
            assert_eq!(ends(waiting, ApplicationEvent::Sweep, deadline), Ok(true), "{state:?} at its deadline");
            if a.withdrawable() {
                assert_eq!(ends(a.clone(), ApplicationEvent::Withdraw, t), Ok(true), "{state:?}");
            } else {
                assert_eq!(state, ApplicationState::AwaitingTransfer, "only a recharge is not withdrawn");
            }
        }
    }
}
