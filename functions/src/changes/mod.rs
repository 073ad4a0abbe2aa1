//! Changes of the verified subject [CHG-1..CHG-5]: the history, a new change, the current
//! person's proof, the new subject (or a name change's supporting material), withdrawal.

pub mod list;
pub mod new_subject;
pub mod owner_proof;
pub mod start;
pub mod withdraw;

use crate::enterprise::{face_body, FaceAnswer};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use shared::domain::bank_card::BankCard;
use shared::domain::change::{ChangeKind, ChangeProgress};
use shared::domain::code::Code;
use shared::domain::enterprise::OrgType;
use shared::domain::ids::ChallengeId;
use shared::domain::phone::Phone;
use shared::domain::upload::UploadPurpose;
use shared::usecases::change::{ChangeView, Proof, ProofOutcome};
use shared::Error;

/// How a person proves themselves: `face`, or `bank_card` with the card, its reserved phone and
/// that phone's code (`POST /v1/sms-codes`, purpose `bank-card`).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProofMethod {
    Face,
    BankCard,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofBody {
    pub method: ProofMethod,
    #[serde(default)]
    pub card_number: Option<BankCard>,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub challenge_id: Option<ChallengeId>,
    #[serde(default)]
    pub sms_code: Option<Code>,
}

impl ProofBody {
    pub(crate) fn proof(self) -> Result<Proof, Error> {
        match self.method {
            ProofMethod::Face => Ok(Proof::Face),
            ProofMethod::BankCard => {
                let missing = |field: &str| Error::invalid(field.to_owned(), "is required for a bank card");
                Ok(Proof::BankCard {
                    card: self.card_number.ok_or_else(|| missing("card_number"))?,
                    phone: self.phone.ok_or_else(|| missing("phone"))?,
                    challenge_id: self.challenge_id.ok_or_else(|| missing("challenge_id"))?,
                    code: self.sms_code.ok_or_else(|| missing("sms_code"))?,
                })
            }
        }
    }
}

/// A proof's outcome: passed, or a face session to scan first.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProofAnswer {
    FacePending { face: FaceAnswer },
    Passed,
}

pub(crate) fn proof_body(outcome: &ProofOutcome) -> ProofAnswer {
    match outcome {
        ProofOutcome::FaceStarted(face) => ProofAnswer::FacePending { face: face_body(face) },
        ProofOutcome::Passed => ProofAnswer::Passed,
    }
}

/// A change as its owner sees it.
#[derive(Serialize, JsonSchema)]
pub struct ChangeAnswer {
    change_id: String,
    kind: ChangeKind,
    state: ChangeProgress,
    /// The subject before (its name).
    from: String,
    /// The subject after, once known.
    to: Option<String>,
    started_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Until when the owner's next step may be taken (after it the change is withdrawn).
    submit_by: Option<DateTime<Utc>>,
    /// The review case, once the material is submitted (`GET /v1/cases`).
    case_id: Option<String>,
    /// When a reviewer answers, while in review.
    due_at: Option<DateTime<Utc>>,
    rejection_reason: Option<String>,
    material: Vec<UploadPurpose>,
    /// The organisation a change to an organisation names.
    new_subject: Option<NewSubjectAnswer>,
    /// A change to an organisation: the methods it may still verify by [CHG-4].
    methods_left: Option<Vec<String>>,
    /// CHG-3: the generated change application form, while it is awaited.
    application_form: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct NewSubjectAnswer {
    name: String,
    uscc: String,
    #[serde(rename = "organisation_type")]
    org_type: OrgType,
}

/// The account's changes.
#[derive(Serialize, JsonSchema)]
pub struct ChangesAnswer {
    pub changes: Vec<ChangeAnswer>,
    /// When the next change may complete (one per 30 days) [CHG-5].
    pub next_change_from: Option<DateTime<Utc>>,
}

/// A change as its owner sees it.
pub(crate) fn change_body(view: &ChangeView) -> ChangeAnswer {
    let c = &view.change.flow;
    ChangeAnswer {
        change_id: view.change.id.as_str().to_owned(),
        kind: c.kind,
        state: view.state,
        from: c.from.clone(),
        to: c.to.clone(),
        started_at: c.started_at,
        updated_at: c.updated_at,
        submit_by: view.submit_by,
        case_id: c.case.as_ref().map(|id| id.as_str().to_owned()),
        due_at: view.due_at,
        rejection_reason: view.rejection_reason.clone(),
        material: c.material.iter().map(|m| m.purpose).collect(),
        new_subject: c.new_subject.as_ref().map(|n| NewSubjectAnswer {
            name: n.name.clone(),
            uscc: n.uscc.as_str().to_owned(),
            org_type: n.org_type,
        }),
        methods_left: (c.kind == ChangeKind::PersonToEnterprise)
            .then(|| c.open_methods().into_iter().map(str::to_owned).collect()),
        application_form: view.form.clone(),
    }
}
