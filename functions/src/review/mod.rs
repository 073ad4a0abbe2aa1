//! Review, the staff's side (behind the staff JWT authorizer, except signing in): the queue,
//! claiming, viewing material, deciding, the audit trail.

pub mod audit_trail;
pub mod claim;
pub mod decide;
pub mod lease;
pub mod queue;
pub mod read_case;
pub mod staff_sign_in;

use crate::cases::{history, CaseStateName, HistoryEntry};
use crate::AppState;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Value};
use shared::domain::calendar::cst_text;
use shared::domain::case::{Case, CaseKind, CaseRequest, Subject};
use shared::domain::enterprise::{SealedPerson, PHOTO_RULES};
use shared::domain::flow::Versioned;
use shared::domain::upload::UploadPurpose;
use shared::usecases::review::MaterialView;

/// What the reviewer compares with the material: the new phone (masked), or the person as
/// submitted (in full: the reviewer checks it against the household register).
fn details(state: &AppState, case: &Case) -> Value {
    match &case.request {
        CaseRequest::PhoneRebind { new_phone, .. } => json!({ "new_phone": new_phone.masked }),
        CaseRequest::MfaUnbind { .. } => json!({}),
        CaseRequest::IdentityMismatch { identity } => {
            let keys = &state.services.keys;
            json!({
                "name": keys.decrypt(&identity.name_encrypted).unwrap_or_else(|_| identity.name_masked.clone()),
                "document_type": identity.document_type,
                "id_number": keys.decrypt(&identity.id_number_encrypted).unwrap_or_else(|_| identity.id_number_masked.clone()),
            })
        }
        CaseRequest::EnterpriseRename { change, uscc, old_name, new_name } => json!({
            "change_id": change,
            "uscc": uscc,
            "old_name": old_name,
            "new_name": new_name,
            "checklist": ["the new licence names the new name and the same code", "the registration change certificate or the change application form confirms the change"],
        }),
        CaseRequest::EnterpriseSubject { change, from, from_uscc, to, reason, contact } => json!({
            "change_id": change,
            "original_subject": format!("{from} ({from_uscc})"),
            "new_subject": format!("{} ({}), {}", to.name, to.uscc, to.org_type.names().0),
            "reason": reason,
            "original_contact": person(state, contact),
            "contact_face_check": "passed",
            "checklist": ["the form carries both subjects' data", "it is stamped by both subjects with fresh red seals"],
        }),
        CaseRequest::Enterprise { application, reason, identity, facts } => {
            let (type_name, _) = facts.org_type.names();
            json!({
                "application_id": application,
                "reason": reason,
                "method": identity.method.as_str(),
                "organisation": identity.name,
                "uscc": identity.uscc,
                "organisation_type": type_name,
                "certificate": facts.certificate,
                "legal_representative": person(state, &facts.legal_representative),
                "face_check": facts.face_check.as_ref().map(|(role, p)| json!({ "role": role, "person": person(state, p) })),
                "face_result": facts.face_result,
                "corporate_account": facts.bank_account_masked,
                "checklist": PHOTO_RULES,
            })
        }
    }
}

/// A sealed person in full, for the reviewer (only functions that read a case have the data key).
fn person(state: &AppState, p: &SealedPerson) -> Value {
    let keys = &state.services.keys;
    json!({
        "name": keys.decrypt(&p.name_encrypted).unwrap_or_else(|_| p.name_masked.clone()),
        "id_number": keys.decrypt(&p.id_number_encrypted).unwrap_or_else(|_| p.id_number_masked.clone()),
    })
}

/// A file of a case, to view for a few minutes.
#[derive(Serialize, JsonSchema)]
pub struct MaterialLink {
    purpose: UploadPurpose,
    /// A presigned URL, valid for five minutes.
    url: String,
    content_type: String,
}

/// A case as a reviewer sees it.
#[derive(Serialize, JsonSchema)]
pub struct StaffCaseAnswer {
    case_id: String,
    kind: CaseKind,
    state: CaseStateName,
    account_id: String,
    subject: Subject,
    submitted_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    /// The same time in China Standard Time, for display.
    due_at_cst: String,
    overdue: bool,
    /// Due within a day.
    due_soon: bool,
    rejection_reason: Option<String>,
    /// What the reviewer compares with the material, by the case's kind (read one by one; in
    /// the queue's list empty): the new phone (masked) of a rebind; the person as submitted of
    /// an identity mismatch; the organisation, its people and a checklist of an enterprise case.
    details: Value,
    material: Vec<MaterialLink>,
    history: Vec<HistoryEntry>,
}

/// A case as a reviewer sees it: in the queue's list a summary; read one by one (`full`) with what
/// the reviewer compares (personal data decrypted: only the functions that read a case have the
/// data key) and its material as short-lived URLs.
pub(crate) fn staff_case_body(
    state: &AppState,
    case: &Versioned<Case>,
    material: &[MaterialView],
    full: bool,
) -> StaffCaseAnswer {
    let c = &case.flow;
    let now = state.services.clock.now();
    StaffCaseAnswer {
        case_id: case.id.as_str().to_owned(),
        kind: c.kind(),
        state: (&c.state).into(),
        account_id: c.account_id.as_str().to_owned(),
        subject: c.subject,
        submitted_at: c.submitted_at,
        due_at: c.due_at,
        due_at_cst: cst_text(c.due_at),
        overdue: c.is_overdue(now),
        due_soon: c.due_soon(now),
        rejection_reason: c.rejection_reason().map(str::to_owned),
        details: if full { details(state, c) } else { json!({}) },
        material: material
            .iter()
            .map(|m| MaterialLink { purpose: m.purpose, url: m.url.clone(), content_type: m.content_type.to_owned() })
            .collect(),
        history: history(c, true),
    }
}
