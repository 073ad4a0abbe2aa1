//! A review case: something only a person can decide (an appeal to rebind the phone [ACC-4] or
//! unbind the virtual MFA device [MFA-5], a name/ID mismatch [KYC-P7], and later the enterprise
//! and subject-change cases). A stored flow:
//!
//! ```text
//! submitted --claim--> in_review --approve--> approved
//!     ^                  |   \----reject---> rejected(reason)
//!     |                  |\--lease lapses: claimed again by whoever receives it next
//!     |                  |\--ask for new material--> awaiting_customer --7 days--> rejected
//!     '--re-submitted------------------------------------'   (the customer sends the files again)
//!     (any open state) --withdraw (a claim ends; the reviewer finds it withdrawn)--> withdrawn
//! ```
//!
//! A case waits on staff, not on its owner: it has no deadline that ends it (an undecided case is
//! flagged overdue), and its owner can always withdraw it [LIFE-1, LIFE-2]. The one exception is a
//! reviewer's request for new material (a blurred photo, an unsigned letter): the case then waits on
//! its customer for [`RESUBMIT_WITHIN`], the review's clock stopped (the time left is kept and
//! given back on re-submission), and is rejected when nothing came. The application or change a
//! case decides ends with it, in the same transaction.
//!
//! The case is due a number of working days after submission (China's calendar, Beijing days).
//! Its sweep deadline is when the scheduled sweeper must look at it: a case never put on the
//! review queue (the send failed after the write) a minute after submission, a waiting case every
//! few days (so its message never outlives the queue's retention) and once when it falls due (it
//! is then flagged overdue). Decided cases have none.

use super::account::SealedContact;
use super::calendar::add_working_days;
use super::enterprise::{EnterpriseIdentity, OrgType, Role, SealedPerson};
use super::flow::{Flow, FlowKind};
use super::ids::{AccountId, FlowId};
use super::kyc::PersonalIdentity;
use super::upload::{ImageType, UploadPurpose};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A case put on the review queue is put there again after this long, so that its message never
/// outlives the queue's retention (14 days) while the case is still open.
pub const REDISPATCH_AFTER: Duration = Duration::days(3);
/// When a case whose first dispatch failed is looked at by the sweeper.
pub const DISPATCH_RETRY_AFTER: Duration = Duration::minutes(1);
/// Open cases are kept at least this long; decided ones this long after the decision.
const KEEP_OPEN: Duration = Duration::days(400);
const KEEP_DECIDED: Duration = Duration::days(3 * 365);
/// A case is "due soon" on the dashboard within this of its due time.
pub const DUE_SOON: Duration = Duration::hours(24);
/// The longest rejection reason.
pub const MAX_REASON_CHARS: usize = 500;
/// How long a customer has to send the new material a reviewer asked for.
pub const RESUBMIT_WITHIN: Duration = Duration::days(7);
/// How many times one case may ask its customer for new material (then it is decided).
pub const MAX_MATERIAL_REQUESTS: usize = 2;
/// The reason of a case rejected because the material asked for never came.
pub const MATERIAL_NOT_RECEIVED: &str = "the new material asked for was not received in time";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    PhoneRebind,
    MfaUnbind,
    IdentityMismatch,
    /// An enterprise verification a person decides: another organisation's face check, or a
    /// corporate transfer that hit a risk rule [KYC-E4, KYC-E5].
    EnterpriseVerification,
    /// An organisation's new name the registry did not confirm [CHG-2].
    EnterpriseRename,
    /// The account handed to another organisation [CHG-3].
    EnterpriseSubjectChange,
}

impl CaseKind {
    pub const ALL: [CaseKind; 6] = [
        CaseKind::PhoneRebind,
        CaseKind::MfaUnbind,
        CaseKind::IdentityMismatch,
        CaseKind::EnterpriseVerification,
        CaseKind::EnterpriseRename,
        CaseKind::EnterpriseSubjectChange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::PhoneRebind => "phone_rebind",
            CaseKind::MfaUnbind => "mfa_unbind",
            CaseKind::IdentityMismatch => "identity_mismatch",
            CaseKind::EnterpriseVerification => "enterprise_verification",
            CaseKind::EnterpriseRename => "enterprise_rename",
            CaseKind::EnterpriseSubjectChange => "enterprise_subject_change",
        }
    }

    /// Appeals (and support cases) are answered within 5 working days [ACC-4, MFA-5]; enterprise
    /// verifications within 2 [KYC-E4, KYC-E5].
    pub fn working_days(self) -> u32 {
        match self {
            CaseKind::EnterpriseVerification => super::calendar::ENTERPRISE_REVIEW_WORKING_DAYS,
            _ => super::calendar::APPEAL_REVIEW_WORKING_DAYS,
        }
    }

    /// The material a case of this kind needs, by subject (the seed's lists) [ACC-4, MFA-5, KYC-P7].
    pub fn material(self, subject: Subject) -> &'static [UploadPurpose] {
        use UploadPurpose::*;
        match (self, subject) {
            (CaseKind::PhoneRebind | CaseKind::MfaUnbind, Subject::Person) => {
                &[IdCardFront, IdCardBack, ApplicationLetter, PaymentProof]
            }
            (CaseKind::PhoneRebind | CaseKind::MfaUnbind, Subject::Enterprise) => {
                &[IdCardFront, IdCardBack, BusinessLicence, ApplicationLetter]
            }
            (CaseKind::IdentityMismatch, _) => &[HouseholdRegister],
            // The application's own material (kept when it was submitted).
            (CaseKind::EnterpriseVerification | CaseKind::EnterpriseRename | CaseKind::EnterpriseSubjectChange, _) => {
                &[]
            }
        }
    }
}

impl CaseKind {
    /// What a file of an appeal must show, in the seed's words [ACC-4, MFA-5]: the person's ID
    /// card held, upper body in the photo; the legal representative's held for a rebind, not for
    /// an MFA appeal; letters signed (a person) or stamped (an organisation).
    pub fn material_note(self, subject: Subject, purpose: UploadPurpose) -> &'static str {
        use UploadPurpose::*;
        match (self, subject, purpose) {
            (_, Subject::Person, IdCardFront | IdCardBack) => {
                "the ID card held by the person, the upper body in the photo (拍照时请手持身份证并包含本人上半身)"
            }
            (CaseKind::MfaUnbind, Subject::Enterprise, IdCardFront | IdCardBack) => {
                "the legal representative's ID card; no need to hold it (无需要手持身份证拍摄)"
            }
            (_, Subject::Enterprise, IdCardFront | IdCardBack) => {
                "the legal representative's ID card, held by them, the upper body in the photo"
            }
            (_, Subject::Person, ApplicationLetter) => "the letter from the template, signed by the person",
            (_, Subject::Enterprise, ApplicationLetter) => "the letter from the template, stamped with the seal",
            (_, _, BusinessLicence) => "the business licence (an electronic copy), stamped with the seal",
            (_, _, PaymentProof) => "a record of a payment made from the account",
            _ => "",
        }
    }
}

/// Whose material a case carries: the account's verified subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Person,
    Enterprise,
}

/// One file of a case, copied under the case when it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub purpose: UploadPurpose,
    /// Where the file is kept (the uploads adapter's key).
    pub object: String,
    pub image: ImageType,
    /// Its size in bytes, as checked (none for a case kept before sizes were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// A reviewer's request for new material, as the customer reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialRequest<'a> {
    pub requested: &'a [UploadPurpose],
    pub note: &'a str,
    pub until: DateTime<Utc>,
}

/// How a review case ended, for the application or change it decides [LIFE-1].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOutcome {
    Approved,
    Rejected,
    Withdrawn,
}

/// What the case asks for, and what approving it changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseRequest {
    /// Rebind the account's phone to `new_phone` (proven by a code when submitted) [ACC-4].
    PhoneRebind { new_phone: SealedContact, old_phone_hash: String },
    /// Unbind the virtual MFA device of this credential [MFA-5]: the device bound when the appeal
    /// was made (its sealed secret; a device bound since is not removed by this case).
    MfaUnbind { credential: String, device: String },
    /// Verify the person with the name and document as submitted [KYC-P7].
    IdentityMismatch { identity: PersonalIdentity },
    /// Rename the organisation (same code) as a subject change asks [CHG-2].
    EnterpriseRename { change: FlowId, uscc: crate::domain::enterprise::Uscc, old_name: String, new_name: String },
    /// Hand the account to another organisation, which must then verify within 9 days [CHG-3].
    EnterpriseSubject {
        change: FlowId,
        from: String,
        from_uscc: crate::domain::enterprise::Uscc,
        to: Box<crate::domain::enterprise::NewSubject>,
        reason: String,
        contact: Box<SealedPerson>,
    },
    /// Verify the organisation of an enterprise application [KYC-E4, KYC-E5].
    Enterprise {
        application: FlowId,
        reason: EnterpriseReview,
        identity: Box<EnterpriseIdentity>,
        facts: Box<EnterpriseFacts>,
    },
}

/// Why an enterprise application needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseReview {
    /// Not a company: every other organisation is reviewed after a passing face check [KYC-E4].
    OtherOrganisation,
    /// The right amount was entered but a risk rule fired [KYC-E5].
    TransferRisk,
    /// Two wrong amounts were entered (issue 25): a person looks before any further guess; the
    /// reviewer approves on the bank's evidence, or rejects.
    WrongAmounts,
}

/// What the reviewer compares with the certificate and letter: the organisation as submitted, who
/// did the face check (sealed) and its result, and the corporate account (masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseFacts {
    pub org_type: OrgType,
    pub certificate: String,
    pub legal_representative: SealedPerson,
    pub face_check: Option<(Role, SealedPerson)>,
    pub face_result: String,
    pub bank_account_masked: Option<String>,
}

impl CaseRequest {
    pub fn kind(&self) -> CaseKind {
        match self {
            CaseRequest::PhoneRebind { .. } => CaseKind::PhoneRebind,
            CaseRequest::MfaUnbind { .. } => CaseKind::MfaUnbind,
            CaseRequest::IdentityMismatch { .. } => CaseKind::IdentityMismatch,
            CaseRequest::Enterprise { .. } => CaseKind::EnterpriseVerification,
            CaseRequest::EnterpriseRename { .. } => CaseKind::EnterpriseRename,
            CaseRequest::EnterpriseSubject { .. } => CaseKind::EnterpriseSubjectChange,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CaseState {
    Submitted,
    /// Claimed by `reviewer` through the queue message `message_id` until `lease_until` (the
    /// message's visibility timeout). Only the holder of the claim token (kept as its keyed hash)
    /// decides, while the lease lasts; once it lapsed, whoever receives a message of the case
    /// claims it.
    InReview {
        reviewer: String,
        message_id: String,
        token_hash: String,
        lease_until: DateTime<Utc>,
    },
    Approved {
        reviewer: String,
    },
    Rejected {
        reviewer: String,
        reason: String,
    },
    Withdrawn,
    /// `reviewer` asked the customer to send `requested` again (`note` says why) by `until`; the
    /// review's clock is stopped with `sla_left_secs` of it left.
    AwaitingCustomer {
        reviewer: String,
        requested: Vec<UploadPurpose>,
        note: String,
        until: DateTime<Utc>,
        sla_left_secs: i64,
    },
}

impl CaseState {
    pub fn name(&self) -> &'static str {
        match self {
            CaseState::Submitted => "submitted",
            CaseState::InReview { .. } => "in_review",
            CaseState::Approved { .. } => "approved",
            CaseState::Rejected { .. } => "rejected",
            CaseState::Withdrawn => "withdrawn",
            CaseState::AwaitingCustomer { .. } => "awaiting_customer",
        }
    }

    /// Not yet decided nor withdrawn (its guard holds the account's one case of its kind).
    pub fn is_open(&self) -> bool {
        self.waits_on_staff() || matches!(self, CaseState::AwaitingCustomer { .. })
    }

    /// Waiting for a reviewer or held by one: on the review queue, its clock running.
    pub fn waits_on_staff(&self) -> bool {
        matches!(self, CaseState::Submitted | CaseState::InReview { .. })
    }
}

/// Who moved a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", content = "name", rename_all = "snake_case")]
pub enum Actor {
    Customer,
    Reviewer(String),
    System,
}

impl Actor {
    pub fn shown(&self) -> String {
        match self {
            Actor::Customer => "customer".into(),
            Actor::Reviewer(name) => format!("reviewer {name}"),
            Actor::System => "system".into(),
        }
    }
}

/// One entry of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// The state entered (`submitted`, `in_review`, ..., or `overdue`).
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Case {
    pub account_id: AccountId,
    pub subject: Subject,
    pub request: CaseRequest,
    pub material: Vec<Material>,
    pub state: CaseState,
    pub submitted_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    #[serde(default)]
    pub overdue: bool,
    /// When it was last put on the review queue (none: the first send has not succeeded).
    #[serde(default)]
    pub dispatched_at: Option<DateTime<Utc>>,
    pub history: Vec<Transition>,
    /// Files a re-submission replaced, oldest first (kept for the reviewer; erased with the
    /// account, as every file under it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<Material>,
}

pub enum CaseEvent<'a> {
    /// Put on the review queue at this time.
    Dispatched,
    /// A reviewer received the case's message `message_id`; `token_hash` is its claim token's
    /// hash, the lease lasts until `lease_until`.
    Claim {
        reviewer: &'a str,
        message_id: &'a str,
        token_hash: &'a str,
        lease_until: DateTime<Utc>,
    },
    /// The claim's holder extends the lease.
    Extend {
        reviewer: &'a str,
        token_hash: &'a str,
        lease_until: DateTime<Utc>,
    },
    /// The claim's holder gives the case back to the queue.
    Release {
        reviewer: &'a str,
        token_hash: &'a str,
    },
    /// The claim's holder decides, while the lease lasts.
    Decide {
        reviewer: &'a str,
        token_hash: &'a str,
        decision: &'a Decision,
    },
    Withdraw,
    /// The sweeper found it due: flags it overdue once it is past its due time; rejects it when
    /// the new material asked for did not come in time.
    Sweep,
    /// The customer sent the material asked for (kept under the case, in the order asked): the
    /// case waits for a reviewer again, with the review time that was left.
    Resubmit {
        material: Vec<Material>,
    },
    /// A lead takes a claim from its holder (lease or not): the case waits again, for anyone
    /// (another reviewer may claim it at once); the holder can no longer extend or decide.
    LeadRelease {
        lead: &'a str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject {
        reason: String,
    },
    /// Ask the customer to send these files of the case again; the note says why.
    RequestMaterial {
        requested: Vec<UploadPurpose>,
        note: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseRefusal {
    /// Already decided or withdrawn.
    Closed,
    /// Another reviewer's claim is alive (the message received is another dispatch of the case).
    ClaimedByOther,
    /// The caller does not hold the case's claim (never claimed, lapsed and claimed by another).
    NotClaimHolder,
    /// Nothing to do (a sweep before anything is due).
    NothingDue,
    /// The case waits on its customer's new material, not on a reviewer.
    AwaitingCustomer,
    /// Not waiting on its customer's material (a re-submission nobody asked for).
    NotAwaitingCustomer,
    /// New material asked for files the case does not hold, or more often than allowed.
    MaterialNotRequestable(&'static str),
}

impl Case {
    pub fn new(
        account_id: AccountId,
        subject: Subject,
        request: CaseRequest,
        material: Vec<Material>,
        now: DateTime<Utc>,
    ) -> Case {
        let due_at = add_working_days(now, request.kind().working_days());
        Case {
            account_id,
            subject,
            request,
            material,
            state: CaseState::Submitted,
            submitted_at: now,
            due_at,
            overdue: false,
            dispatched_at: None,
            history: vec![Transition { at: now, actor: Actor::Customer, state: "submitted".into(), reason: None }],
            superseded: vec![],
        }
    }

    pub fn kind(&self) -> CaseKind {
        self.request.kind()
    }

    /// Whether `reviewer` holds the case's claim (whatever the lease).
    pub fn claimed_by(&self, reviewer: &str) -> bool {
        matches!(&self.state, CaseState::InReview { reviewer: r, .. } if r == reviewer)
    }

    /// The new material its reviewer asked for, while the case waits on it.
    pub fn material_request(&self) -> Option<MaterialRequest<'_>> {
        match &self.state {
            CaseState::AwaitingCustomer { requested, note, until, .. } => {
                Some(MaterialRequest { requested, note, until: *until })
            }
            _ => None,
        }
    }

    /// How many times the case asked its customer for new material.
    pub fn material_requests(&self) -> usize {
        self.history.iter().filter(|t| t.state == "awaiting_customer").count()
    }

    /// Where the `index`-th file the case keeps goes: after every file it kept before (a
    /// re-submission never overwrites one).
    pub fn next_material_index(&self) -> usize {
        self.material.len() + self.superseded.len()
    }

    /// Whether the case must be (re)put on the review queue now.
    pub fn needs_dispatch(&self, now: DateTime<Utc>) -> bool {
        self.state.waits_on_staff()
            && match self.dispatched_at {
                None => now >= self.submitted_at + DISPATCH_RETRY_AFTER,
                Some(at) => now >= at + REDISPATCH_AFTER,
            }
    }

    /// Past its due time while waiting on staff (never while its customer has it).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.waits_on_staff() && (self.overdue || now >= self.due_at)
    }

    pub fn due_soon(&self, now: DateTime<Utc>) -> bool {
        self.state.waits_on_staff() && !self.is_overdue(now) && now + DUE_SOON >= self.due_at
    }

    pub fn rejection_reason(&self) -> Option<&str> {
        match &self.state {
            CaseState::Rejected { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// Whether `reviewer` holds the claim with this token and its lease lasts.
    fn holder(&self, reviewer: &str, token_hash: &str, now: DateTime<Utc>) -> Result<(), CaseRefusal> {
        match &self.state {
            CaseState::InReview { reviewer: r, token_hash: h, lease_until, .. }
                if r == reviewer && h == token_hash && now < *lease_until =>
            {
                Ok(())
            }
            _ => Err(CaseRefusal::NotClaimHolder),
        }
    }

    /// Whether new material may be asked for these files: some, each a file the case holds, and
    /// not more often than [`MAX_MATERIAL_REQUESTS`].
    fn requestable(&self, requested: &[UploadPurpose]) -> Result<(), CaseRefusal> {
        if requested.is_empty() || requested.iter().any(|p| !self.material.iter().any(|m| m.purpose == *p)) {
            return Err(CaseRefusal::MaterialNotRequestable("name files this case holds"));
        }
        if self.material_requests() >= MAX_MATERIAL_REQUESTS {
            return Err(CaseRefusal::MaterialNotRequestable("this case asked for new material as often as it may"));
        }
        Ok(())
    }

    fn record(mut self, now: DateTime<Utc>, actor: Actor, state: CaseState, reason: Option<String>) -> Case {
        self.history.push(Transition { at: now, actor, state: state.name().into(), reason });
        self.state = state;
        self
    }
}

impl Flow for Case {
    const KIND: FlowKind = FlowKind::Case;
    type Event<'a> = CaseEvent<'a>;
    type Refusal = CaseRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        match self.history.last() {
            Some(last) if !self.state.is_open() => last.at + KEEP_DECIDED,
            _ => self.submitted_at + KEEP_OPEN,
        }
    }

    fn deadline(&self) -> Option<DateTime<Utc>> {
        if let Some(request) = self.material_request() {
            return Some(request.until);
        }
        if !self.state.is_open() {
            return None;
        }
        let dispatch = match self.dispatched_at {
            None => self.submitted_at + DISPATCH_RETRY_AFTER,
            Some(at) => at + REDISPATCH_AFTER,
        };
        Some(if self.overdue { dispatch } else { dispatch.min(self.due_at) })
    }

    fn owner(&self) -> Option<&AccountId> {
        Some(&self.account_id)
    }

    fn listed_at(&self) -> DateTime<Utc> {
        self.submitted_at
    }

    fn staff_queue(&self) -> Option<DateTime<Utc>> {
        self.state.is_open().then_some(self.due_at)
    }

    fn decided_at(&self) -> Option<DateTime<Utc>> {
        match self.state {
            CaseState::Approved { .. } | CaseState::Rejected { .. } => self.history.last().map(|t| t.at),
            _ => None,
        }
    }

    fn apply(self, event: CaseEvent<'_>, now: DateTime<Utc>) -> Result<Case, CaseRefusal> {
        if !self.state.is_open() {
            return Err(CaseRefusal::Closed);
        }
        match event {
            CaseEvent::Dispatched => Ok(Case { dispatched_at: Some(now), ..self }),
            CaseEvent::Claim { reviewer, message_id, token_hash, lease_until } => {
                if self.material_request().is_some() {
                    return Err(CaseRefusal::AwaitingCustomer);
                }
                if let CaseState::InReview { message_id: held, lease_until: until, .. } = &self.state {
                    // While the lease lasts, any other message is another dispatch of a case
                    // someone holds; once it lapsed, the case is anyone's who receives it.
                    if held != message_id && now < *until {
                        return Err(CaseRefusal::ClaimedByOther);
                    }
                }
                let state = CaseState::InReview {
                    reviewer: reviewer.into(),
                    message_id: message_id.into(),
                    token_hash: token_hash.into(),
                    lease_until,
                };
                Ok(self.record(now, Actor::Reviewer(reviewer.into()), state, None))
            }
            CaseEvent::Extend { reviewer, token_hash, lease_until } => {
                self.holder(reviewer, token_hash, now)?;
                let mut case = self;
                if let CaseState::InReview { lease_until: until, .. } = &mut case.state {
                    *until = lease_until;
                }
                Ok(case)
            }
            CaseEvent::Release { reviewer, token_hash } => {
                self.holder(reviewer, token_hash, now)?;
                Ok(self.record(now, Actor::Reviewer(reviewer.into()), CaseState::Submitted, Some("given back".into())))
            }
            CaseEvent::Decide { reviewer, token_hash, decision } => {
                self.holder(reviewer, token_hash, now)?;
                let actor = Actor::Reviewer(reviewer.into());
                Ok(match decision {
                    Decision::Approve => {
                        self.record(now, actor, CaseState::Approved { reviewer: reviewer.into() }, None)
                    }
                    Decision::Reject { reason } => {
                        let state = CaseState::Rejected { reviewer: reviewer.into(), reason: reason.clone() };
                        self.record(now, actor, state, Some(reason.clone()))
                    }
                    Decision::RequestMaterial { requested, note } => {
                        self.requestable(requested)?;
                        let state = CaseState::AwaitingCustomer {
                            reviewer: reviewer.into(),
                            requested: requested.clone(),
                            note: note.clone(),
                            until: now + RESUBMIT_WITHIN,
                            sla_left_secs: (self.due_at - now).num_seconds().max(0),
                        };
                        self.record(now, actor, state, Some(note.clone()))
                    }
                })
            }
            CaseEvent::Resubmit { material } => {
                let CaseState::AwaitingCustomer { requested, sla_left_secs, until, .. } = &self.state else {
                    return Err(CaseRefusal::NotAwaitingCustomer);
                };
                if now >= *until {
                    // Too late: the sweeper closes it.
                    return Err(CaseRefusal::NotAwaitingCustomer);
                }
                let sent: Vec<UploadPurpose> = material.iter().map(|m| m.purpose).collect();
                if &sent != requested {
                    return Err(CaseRefusal::NotAwaitingCustomer);
                }
                let due_at = now + Duration::seconds(*sla_left_secs);
                let mut case = self;
                // Each file takes the place of the one it replaces, which is kept aside.
                for new in material {
                    if let Some(slot) = case.material.iter_mut().find(|m| m.purpose == new.purpose) {
                        case.superseded.push(std::mem::replace(slot, new));
                    }
                }
                case.due_at = due_at;
                // Put on the queue again at once (the sweeper retries a failed send a minute on).
                case.dispatched_at = None;
                Ok(case.record(now, Actor::Customer, CaseState::Submitted, Some("material sent again".into())))
            }
            // Open (checked above): waiting, or claimed, whose claim then ends [LIFE-1].
            CaseEvent::Withdraw => Ok(self.record(now, Actor::Customer, CaseState::Withdrawn, None)),
            CaseEvent::LeadRelease { lead } => {
                if !matches!(self.state, CaseState::InReview { .. }) {
                    return Err(CaseRefusal::NotClaimHolder);
                }
                // The customer reads the reason: no staff name in it (staff see the lead as actor).
                let why = Some("claim released by a lead".to_owned());
                Ok(self.record(now, Actor::Reviewer(lead.into()), CaseState::Submitted, why))
            }
            CaseEvent::Sweep => {
                if let CaseState::AwaitingCustomer { reviewer, until, .. } = &self.state {
                    if now < *until {
                        return Err(CaseRefusal::NothingDue);
                    }
                    let state =
                        CaseState::Rejected { reviewer: reviewer.clone(), reason: MATERIAL_NOT_RECEIVED.into() };
                    return Ok(self.record(now, Actor::System, state, Some(MATERIAL_NOT_RECEIVED.into())));
                }
                if self.overdue || now < self.due_at {
                    return Err(CaseRefusal::NothingDue);
                }
                let mut case = self;
                case.overdue = true;
                case.history.push(Transition { at: now, actor: Actor::System, state: "overdue".into(), reason: None });
                Ok(case)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn case(now: DateTime<Utc>) -> Case {
        Case::new(
            AccountId::from_raw("a1"),
            Subject::Person,
            CaseRequest::MfaUnbind { credential: "cloud:alice".into(), device: "sealed".into() },
            vec![],
            now,
        )
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().unwrap()
    }

    fn claim<'a>(reviewer: &'a str, message_id: &'a str, token_hash: &'a str, until: DateTime<Utc>) -> CaseEvent<'a> {
        CaseEvent::Claim { reviewer, message_id, token_hash, lease_until: until }
    }

    #[test]
    fn one_reviewer_decides_what_they_claimed() {
        let now = at(2026, 12, 1, 2);
        let lease = now + Duration::minutes(15);
        let c = case(now).apply(CaseEvent::Dispatched, now).unwrap();
        let c = c.apply(claim("r1", "m1", "t1", lease), now).unwrap();
        // Another dispatch of the same case, received by someone else while the lease lasts: refused.
        assert_eq!(c.clone().apply(claim("r2", "m2", "t2", lease), now).unwrap_err(), CaseRefusal::ClaimedByOther);
        let approve = Decision::Approve;
        let decide =
            |r: &'static str, t: &'static str| CaseEvent::Decide { reviewer: r, token_hash: t, decision: &approve };
        assert_eq!(c.clone().apply(decide("r2", "t1"), now).unwrap_err(), CaseRefusal::NotClaimHolder);
        assert_eq!(c.clone().apply(decide("r1", "t2"), now).unwrap_err(), CaseRefusal::NotClaimHolder);
        // Once the lease lapsed, the holder no longer decides, and any message of the case claims it.
        assert_eq!(c.clone().apply(decide("r1", "t1"), lease).unwrap_err(), CaseRefusal::NotClaimHolder);
        let later = lease + Duration::minutes(1);
        let c2 = c.clone().apply(claim("r2", "m3", "t3", later + Duration::minutes(15)), later).unwrap();
        assert_eq!(c2.clone().apply(decide("r1", "t1"), later).unwrap_err(), CaseRefusal::NotClaimHolder);
        let done = c2.apply(decide("r2", "t3"), later).unwrap();
        assert_eq!(done.state.name(), "approved");
        assert_eq!(done.deadline(), None);
        assert_eq!(done.clone().apply(CaseEvent::Withdraw, now).unwrap_err(), CaseRefusal::Closed);
        assert_eq!(done.history.len(), 4);
    }

    #[test]
    fn an_open_case_is_withdrawn_even_once_claimed_and_its_reviewer_then_cannot_decide() {
        let now = at(2026, 12, 1, 2);
        assert_eq!(case(now).apply(CaseEvent::Withdraw, now).unwrap().state, CaseState::Withdrawn);
        let claimed = case(now).apply(claim("r", "m", "t", now + Duration::minutes(15)), now).unwrap();
        let withdrawn = claimed.clone().apply(CaseEvent::Withdraw, now).unwrap();
        assert_eq!(withdrawn.state, CaseState::Withdrawn);
        let approve = Decision::Approve;
        let decide = CaseEvent::Decide { reviewer: "r", token_hash: "t", decision: &approve };
        assert_eq!(withdrawn.clone().apply(decide, now).unwrap_err(), CaseRefusal::Closed);
        assert_eq!(withdrawn.apply(CaseEvent::Withdraw, now).unwrap_err(), CaseRefusal::Closed);
        // Given back, it waits again (and may be withdrawn).
        let back = claimed.apply(CaseEvent::Release { reviewer: "r", token_hash: "t" }, now).unwrap();
        assert_eq!(back.state, CaseState::Submitted);
        assert_eq!(back.apply(CaseEvent::Withdraw, now).unwrap().state, CaseState::Withdrawn);
    }

    #[test]
    fn the_sweep_deadline_follows_dispatch_and_due_time() {
        let now = at(2026, 12, 1, 2); // Tuesday, Beijing 10:00
        let c = case(now);
        assert_eq!(c.deadline(), Some(now + DISPATCH_RETRY_AFTER));
        assert!(!c.needs_dispatch(now));
        assert!(c.needs_dispatch(now + DISPATCH_RETRY_AFTER));
        let c = c.apply(CaseEvent::Dispatched, now).unwrap();
        assert_eq!(c.deadline(), Some(now + REDISPATCH_AFTER));
        assert!(c.due_at > now + Duration::days(6), "5 working days from a Tuesday cross a weekend");
        let later = c.due_at + Duration::minutes(1);
        let almost_due = c.due_at - Duration::hours(1);
        let c = c.apply(CaseEvent::Dispatched, almost_due).unwrap();
        assert_eq!(c.deadline(), Some(c.due_at));
        assert_eq!(c.clone().apply(CaseEvent::Sweep, now).unwrap_err(), CaseRefusal::NothingDue);
        let swept = c.apply(CaseEvent::Sweep, later).unwrap();
        assert!(swept.overdue);
        assert_eq!(swept.clone().apply(CaseEvent::Sweep, later).unwrap_err(), CaseRefusal::NothingDue);
        assert_eq!(swept.deadline(), swept.dispatched_at.map(|d| d + REDISPATCH_AFTER));
    }

    #[test]
    fn a_request_for_material_stops_the_review_clock_and_ends_the_case_when_nothing_came() {
        let now = at(2026, 12, 1, 2);
        let mut c = case(now);
        c.material = vec![Material {
            purpose: UploadPurpose::PaymentProof,
            object: "o".into(),
            image: crate::domain::upload::ImageType::Png,
            size: None,
        }];
        let lease = now + Duration::minutes(15);
        let c = c.apply(claim("r", "m", "t", lease), now).unwrap();
        let ask =
            |purposes: Vec<UploadPurpose>| Decision::RequestMaterial { requested: purposes, note: "blurred".into() };
        let foreign = ask(vec![UploadPurpose::HouseholdRegister]);
        let refused = c.clone().apply(CaseEvent::Decide { reviewer: "r", token_hash: "t", decision: &foreign }, now);
        assert!(matches!(refused, Err(CaseRefusal::MaterialNotRequestable(_))));
        let asked = ask(vec![UploadPurpose::PaymentProof]);
        let waiting = c.apply(CaseEvent::Decide { reviewer: "r", token_hash: "t", decision: &asked }, now).unwrap();
        assert_eq!(waiting.deadline(), Some(now + RESUBMIT_WITHIN));
        assert!(!waiting.needs_dispatch(now + REDISPATCH_AFTER) && !waiting.is_overdue(waiting.due_at));
        assert_eq!(
            waiting.clone().apply(claim("r2", "m2", "t2", lease), now).unwrap_err(),
            CaseRefusal::AwaitingCustomer
        );
        assert_eq!(
            waiting.clone().apply(CaseEvent::Sweep, now + Duration::days(6)).unwrap_err(),
            CaseRefusal::NothingDue
        );
        // Sent back after 3 days: due 3 days later than before, the old file kept aside.
        let later = now + Duration::days(3);
        let new = Material {
            purpose: UploadPurpose::PaymentProof,
            object: "o2".into(),
            image: crate::domain::upload::ImageType::Png,
            size: Some(9),
        };
        let back = waiting.clone().apply(CaseEvent::Resubmit { material: vec![new.clone()] }, later).unwrap();
        assert_eq!((back.state.name(), back.due_at), ("submitted", waiting.due_at + Duration::days(3)));
        assert_eq!((back.material, back.superseded.len(), back.dispatched_at), (vec![new], 1, None));
        // Nothing sent in 7 days: rejected by the system.
        let closed = waiting.apply(CaseEvent::Sweep, now + RESUBMIT_WITHIN).unwrap();
        assert_eq!(closed.rejection_reason(), Some(MATERIAL_NOT_RECEIVED));
        assert_eq!(closed.history.last().map(|t| &t.actor), Some(&Actor::System));
    }
}
