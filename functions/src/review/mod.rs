//! Review, the staff's side (behind the staff JWT authorizer, except signing in): the queue,
//! claiming, viewing material, deciding, the audit trail.

pub mod audit_trail;
pub mod claim;
pub mod decide;
pub mod lease;
pub mod queue;
pub mod read_case;
pub mod staff_sign_in;

use crate::cases::history;
use crate::AppState;
use serde_json::{json, Value};
use shared::domain::calendar::cst_text;
use shared::domain::case::{Case, CaseRequest};
use shared::domain::enterprise::{SealedPerson, PHOTO_RULES};
use shared::domain::flow::Versioned;
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

/// A case as a reviewer sees it: in the queue's list a summary; read one by one (`full`) with what
/// the reviewer compares (personal data decrypted: only the functions that read a case have the
/// data key) and its material as short-lived URLs.
pub(crate) fn staff_case_body(
    state: &AppState,
    case: &Versioned<Case>,
    material: &[MaterialView],
    full: bool,
) -> Value {
    let c = &case.flow;
    let now = state.services.clock.now();
    json!({
        "case_id": case.id,
        "kind": c.kind().as_str(),
        "state": c.state.name(),
        "account_id": c.account_id,
        "subject": c.subject,
        "submitted_at": c.submitted_at,
        "due_at": c.due_at,
        "due_at_cst": cst_text(c.due_at),
        "overdue": c.is_overdue(now),
        "due_soon": c.due_soon(now),
        "rejection_reason": c.rejection_reason(),
        "details": if full { details(state, c) } else { json!({}) },
        "material": material.iter().map(|m| json!({ "purpose": m.purpose.as_str(), "url": m.url, "content_type": m.content_type })).collect::<Vec<_>>(),
        "history": history(c, true),
    })
}
