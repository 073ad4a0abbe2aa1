//! Changes of the verified subject [CHG-1..CHG-5]: the history, a new change, the current
//! person's proof, the new subject (or a name change's supporting material), withdrawal.

pub mod list;
pub mod new_subject;
pub mod owner_proof;
pub mod start;
pub mod withdraw;

use crate::enterprise::face_body;
use serde::Deserialize;
use serde_json::{json, Value};
use shared::domain::bank_card::BankCard;
use shared::domain::code::Code;
use shared::domain::ids::ChallengeId;
use shared::domain::phone::Phone;
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

pub(crate) fn proof_body(outcome: &ProofOutcome) -> Value {
    match outcome {
        ProofOutcome::FaceStarted(face) => json!({ "state": "face_pending", "face": face_body(face) }),
        ProofOutcome::Passed => json!({ "state": "passed" }),
    }
}

/// A change as its owner sees it.
pub(crate) fn change_body(view: &ChangeView) -> Value {
    let c = &view.change.flow;
    json!({
        "change_id": view.change.id,
        "kind": c.kind.as_str(),
        "state": view.state,
        "from": c.from,
        "to": c.to,
        "started_at": c.started_at,
        "updated_at": c.updated_at,
        "submit_by": view.submit_by,
        "due_at": view.due_at,
        "rejection_reason": view.rejection_reason,
        "material": c.material.iter().map(|m| m.purpose.as_str()).collect::<Vec<_>>(),
        "new_subject": c.new_subject.as_ref().map(|n| json!({ "name": n.name, "uscc": n.uscc, "type": n.org_type })),
        "methods_left": (c.kind == shared::domain::change::ChangeKind::PersonToEnterprise).then(|| c.open_methods()),
        "application_form": view.form,
    })
}
