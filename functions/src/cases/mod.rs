//! Review cases, the customer's side: uploads, appeals and support cases, their progress, and
//! the letter templates to download [ACC-4, MFA-5, KYC-P7, KYC-E3].

pub mod appeals;
pub mod identity_case;
pub mod list;
pub mod resubmit;
pub mod signed_out;
pub mod start_upload;
pub mod templates;
pub mod withdraw;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use shared::domain::case::{Actor, Case, CaseKind, CaseState, Subject};
use shared::domain::flow::Versioned;
use shared::domain::upload::UploadPurpose;
use std::collections::BTreeMap;

/// The files a case names: purpose -> upload id (from `POST /v1/uploads`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct MaterialBody(pub BTreeMap<UploadPurpose, String>);

/// A case's state, as every viewer sees it.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStateName {
    Submitted,
    InReview,
    Approved,
    Rejected,
    Withdrawn,
    /// A reviewer asked for some files again: see `material_request`.
    AwaitingCustomer,
}

impl From<&CaseState> for CaseStateName {
    fn from(state: &CaseState) -> Self {
        match state {
            CaseState::Submitted => CaseStateName::Submitted,
            CaseState::InReview { .. } => CaseStateName::InReview,
            CaseState::Approved { .. } => CaseStateName::Approved,
            CaseState::Rejected { .. } => CaseStateName::Rejected,
            CaseState::Withdrawn => CaseStateName::Withdrawn,
            CaseState::AwaitingCustomer { .. } => CaseStateName::AwaitingCustomer,
        }
    }
}

/// One step of a case's history.
#[derive(Serialize, JsonSchema)]
pub struct HistoryEntry {
    at: DateTime<Utc>,
    /// `customer`, `system`, or `reviewer` (the customer's view) / `reviewer <name>` (staff's).
    by: String,
    /// The state entered: a case state, or `overdue`.
    state: String,
    /// A rejection's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// Who moved a case, as a viewer sees it: the customer never sees a reviewer's name.
pub(crate) fn history(case: &Case, staff_view: bool) -> Vec<HistoryEntry> {
    case.history
        .iter()
        .map(|t| HistoryEntry {
            at: t.at,
            by: match (&t.actor, staff_view) {
                (Actor::Reviewer(_), false) => "reviewer".to_owned(),
                (actor, _) => actor.shown(),
            },
            state: t.state.clone(),
            reason: t.reason.clone(),
        })
        .collect()
}

/// A case as its customer sees it.
#[derive(Serialize, JsonSchema)]
pub struct CaseAnswer {
    case_id: String,
    kind: CaseKind,
    state: CaseStateName,
    /// Whether a person or an organisation is proven.
    subject: Subject,
    submitted_at: DateTime<Utc>,
    /// When a reviewer answers at the latest (5 working days).
    due_at: DateTime<Utc>,
    overdue: bool,
    rejection_reason: Option<String>,
    /// The files it holds, by purpose.
    material: Vec<UploadPurpose>,
    /// While it waits on you: the files to upload again and send
    /// (`POST /v1/cases/{case_id}/material`), and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    material_request: Option<MaterialRequestAnswer>,
    history: Vec<HistoryEntry>,
}

/// A reviewer's request for new material, as the customer reads it.
#[derive(Serialize, JsonSchema)]
pub struct MaterialRequestAnswer {
    /// The files to upload again (each with `POST /v1/uploads`) and send, all at once.
    pub material: Vec<UploadPurpose>,
    /// What was wrong with them.
    pub reason: String,
    /// Until when; then the case is closed as rejected. The review's clock is stopped meanwhile
    /// and goes on with the time it had left.
    pub send_by: Option<DateTime<Utc>>,
}

impl MaterialRequestAnswer {
    /// The case's request, while it waits on its customer.
    pub(crate) fn of(case: &Case) -> Option<MaterialRequestAnswer> {
        case.material_request().map(|asked| MaterialRequestAnswer {
            material: asked.requested.to_vec(),
            reason: asked.note.to_owned(),
            send_by: Some(asked.until),
        })
    }
}

/// The account's cases.
#[derive(Serialize, JsonSchema)]
pub struct CasesAnswer {
    pub cases: Vec<CaseAnswer>,
    /// The next page's `cursor` (none: this is the last page).
    pub next_cursor: Option<String>,
}

/// A case as its customer sees it.
pub(crate) fn case_body(case: &Versioned<Case>, now: DateTime<Utc>) -> CaseAnswer {
    let c = &case.flow;
    CaseAnswer {
        case_id: case.id.as_str().to_owned(),
        kind: c.kind(),
        state: (&c.state).into(),
        subject: c.subject,
        submitted_at: c.submitted_at,
        due_at: c.due_at,
        overdue: c.is_overdue(now),
        rejection_reason: c.rejection_reason().map(str::to_owned),
        material: c.material.iter().map(|m| m.purpose).collect(),
        material_request: MaterialRequestAnswer::of(c),
        history: history(c, false),
    }
}
