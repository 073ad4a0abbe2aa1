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
use shared::domain::case::EnterpriseReview;
use shared::domain::case::{Case, CaseKind, CaseRequest, Subject};
use shared::domain::enterprise::{Method, OrgType, Role, SealedPerson, PHOTO_RULES};
use shared::domain::flow::Versioned;
use shared::domain::upload::UploadPurpose;
use shared::usecases::review::MaterialView;

/// What the reviewer compares with the material, by the case's kind (an MFA unbind has nothing:
/// the reviewer checks its material only).
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CaseDetails {
    /// A phone rebind: the new phone, masked.
    PhoneRebind { new_phone: String },
    /// An identity mismatch: the person as submitted, in full (checked against the household
    /// register).
    IdentityMismatch { name: String, document_type: String, id_number: String },
    /// An organisation's new name the registry did not confirm.
    EnterpriseRename {
        change_id: String,
        uscc: String,
        old_name: String,
        new_name: String,
        checklist: Vec<&'static str>,
    },
    /// The account handed to another organisation.
    EnterpriseSubjectChange {
        change_id: String,
        /// The subject today: its name and code.
        original_subject: String,
        /// The subject it goes to: name, code and type.
        new_subject: String,
        reason: String,
        original_contact: PersonInFull,
        /// The original contact's face check (the change reaches a reviewer only after it passed).
        contact_face_check: FaceCheckOutcome,
        checklist: Vec<&'static str>,
    },
    /// An enterprise verification.
    EnterpriseVerification {
        application_id: String,
        reason: EnterpriseReview,
        method: Method,
        organisation: String,
        uscc: String,
        organisation_type: OrgType,
        /// The type's name, for display.
        organisation_type_name: &'static str,
        certificate: String,
        legal_representative: PersonInFull,
        face_check: Option<FaceCheckBy>,
        face_result: String,
        /// The corporate account, masked (a corporate transfer).
        corporate_account: Option<String>,
        checklist: Vec<&'static str>,
    },
}

/// A face check's outcome as a reviewer sees it.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaceCheckOutcome {
    Passed,
}

/// Who did an application's face check.
#[derive(Serialize, JsonSchema)]
pub struct FaceCheckBy {
    role: Role,
    person: PersonInFull,
}

/// A person in full, for the reviewer (only functions that read a case have the data key).
#[derive(Serialize, JsonSchema)]
pub struct PersonInFull {
    name: String,
    id_number: String,
}

impl CaseDetails {
    fn of(state: &AppState, case: &Case) -> Option<CaseDetails> {
        let keys = &state.services.keys;
        Some(match &case.request {
            CaseRequest::PhoneRebind { new_phone, .. } => {
                CaseDetails::PhoneRebind { new_phone: new_phone.masked.clone() }
            }
            CaseRequest::MfaUnbind { .. } => return None,
            CaseRequest::IdentityMismatch { identity } => CaseDetails::IdentityMismatch {
                name: keys.decrypt(&identity.name_encrypted).unwrap_or_else(|_| identity.name_masked.clone()),
                document_type: identity.document_type.clone(),
                id_number: keys
                    .decrypt(&identity.id_number_encrypted)
                    .unwrap_or_else(|_| identity.id_number_masked.clone()),
            },
            CaseRequest::EnterpriseRename { change, uscc, old_name, new_name } => CaseDetails::EnterpriseRename {
                change_id: change.to_string(),
                uscc: uscc.to_string(),
                old_name: old_name.clone(),
                new_name: new_name.clone(),
                checklist: vec![
                    "the new licence names the new name and the same code",
                    "the registration change certificate or the change application form confirms the change",
                ],
            },
            CaseRequest::EnterpriseSubject { change, from, from_uscc, to, reason, contact } => {
                CaseDetails::EnterpriseSubjectChange {
                    change_id: change.to_string(),
                    original_subject: format!("{from} ({from_uscc})"),
                    new_subject: format!("{} ({}), {}", to.name, to.uscc, to.org_type.names().0),
                    reason: reason.clone(),
                    original_contact: PersonInFull::of(state, contact),
                    contact_face_check: FaceCheckOutcome::Passed,
                    checklist: vec![
                        "the form carries both subjects' data",
                        "it is stamped by both subjects with fresh red seals",
                    ],
                }
            }
            CaseRequest::Enterprise { application, reason, identity, facts } => CaseDetails::EnterpriseVerification {
                application_id: application.to_string(),
                reason: *reason,
                method: identity.method,
                organisation: identity.name.clone(),
                uscc: identity.uscc.to_string(),
                organisation_type: facts.org_type,
                organisation_type_name: facts.org_type.names().0,
                certificate: facts.certificate.clone(),
                legal_representative: PersonInFull::of(state, &facts.legal_representative),
                face_check: facts
                    .face_check
                    .as_ref()
                    .map(|(role, p)| FaceCheckBy { role: *role, person: PersonInFull::of(state, p) }),
                face_result: facts.face_result.clone(),
                corporate_account: facts.bank_account_masked.clone(),
                checklist: PHOTO_RULES.to_vec(),
            },
        })
    }
}

impl PersonInFull {
    fn of(state: &AppState, p: &SealedPerson) -> PersonInFull {
        let keys = &state.services.keys;
        PersonInFull {
            name: keys.decrypt(&p.name_encrypted).unwrap_or_else(|_| p.name_masked.clone()),
            id_number: keys.decrypt(&p.id_number_encrypted).unwrap_or_else(|_| p.id_number_masked.clone()),
        }
    }
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
    overdue: bool,
    /// Due within a day.
    due_soon: bool,
    rejection_reason: Option<String>,
    /// What the reviewer compares with the material, by the case's kind (read one by one; absent
    /// in the queue's list and for an MFA unbind).
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<CaseDetails>,
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
        overdue: c.is_overdue(now),
        due_soon: c.due_soon(now),
        rejection_reason: c.rejection_reason().map(str::to_owned),
        details: if full { CaseDetails::of(state, c) } else { None },
        material: material
            .iter()
            .map(|m| MaterialLink { purpose: m.purpose, url: m.url.clone(), content_type: m.content_type.to_owned() })
            .collect(),
        history: history(c, true),
    }
}
