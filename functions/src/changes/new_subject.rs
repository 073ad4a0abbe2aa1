//! `POST /v1/subject-changes/{change_id}/new-subject`: the new person verifies by face or bank
//! card, with the acceptance agreement [CHG-5]; or, for a name change the registry did not
//! confirm, the supporting material (a registration change certificate or the change application
//! form), which sends it to a reviewer [CHG-2].

use super::{change_body, proof_body, ProofBody};
use crate::api::{json_response, ApiResult};
use crate::cases::MaterialBody;
use crate::extract::{Authed, ChangeId, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::domain::identity::{DocumentType, PersonName};
use shared::usecases::change::{person, started_view, submit_material, submit_new_person, NewPersonSubmission};

/// (The proof's fields are flattened in; serde refuses their unknown fields.)
#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewPersonBody {
    document_type: DocumentType,
    name: PersonName,
    id_number: String,
    /// `subject-change-acceptance-agreement`.
    agreement: AgreementRef,
    #[serde(flatten)]
    proof: ProofBody,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum NewSubjectBody {
    Material { material: MaterialBody },
    Person(Box<NewPersonBody>),
}

/// The new person's proof, or (a name change's supporting material) the change as it is now: in
/// review, with its case and when the reviewer answers.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SubmitAnswer {
    Proof(super::ProofAnswer),
    Change(Box<super::ChangeAnswer>),
}

pub async fn handle(
    state: &AppState,
    Authed(principal): Authed,
    ChangeId(id): ChangeId,
    Json(body): Json<NewSubjectBody>,
) -> ApiResult {
    match body {
        NewSubjectBody::Material { material } => {
            let change = submit_material(&state.services, &principal, &id, &material.0).await?;
            let view = started_view(&state.services, &principal, change).await?;
            Ok(json_response(StatusCode::OK, &SubmitAnswer::Change(Box::new(change_body(&view)))))
        }
        NewSubjectBody::Person(p) => {
            let p = *p;
            let submission = NewPersonSubmission {
                person: person(p.name, p.document_type, &p.id_number, p.agreement)?,
                proof: p.proof.proof()?,
            };
            let outcome = submit_new_person(&state.services, &principal, &id, submission).await?;
            Ok(json_response(StatusCode::OK, &SubmitAnswer::Proof(proof_body(&outcome))))
        }
    }
}
