//! Review, the staff's side (behind the staff JWT authorizer, except signing in): the queue,
//! claiming, viewing material, deciding, the audit trail.

pub mod audit_trail;
pub mod claim;
pub mod decide;
pub mod lead;
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
use shared::domain::case::{Case, CaseKind, CaseRequest, CaseState, Subject};
use shared::domain::enterprise::{Method, OrgType, Role, SealedPerson, PHOTO_RULES};
use shared::domain::flow::Versioned;
use shared::domain::upload::UploadPurpose;
use shared::usecases::review::{CaseView, VerifiedSubject};

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
    EnterpriseRename { change_id: String, uscc: String, old_name: String, new_name: String },
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
            },
            CaseRequest::EnterpriseSubject { change, from, from_uscc, to, reason, contact } => {
                CaseDetails::EnterpriseSubjectChange {
                    change_id: change.to_string(),
                    original_subject: format!("{from} ({from_uscc})"),
                    new_subject: format!("{} ({}), {}", to.name, to.uscc, to.org_type.names().0),
                    reason: reason.clone(),
                    original_contact: PersonInFull::of(state, contact),
                    contact_face_check: FaceCheckOutcome::Passed,
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
            },
        })
    }
}

/// What the seed asks a reviewer to check for a case, by its kind and subject [MFA-5, ACC-4,
/// KYC-P7, KYC-E3, CHG-2, CHG-3].
pub fn checklist(case: &Case) -> Vec<&'static str> {
    let person = case.subject == Subject::Person;
    match &case.request {
        CaseRequest::MfaUnbind { .. } if person => vec![
            "the ID card photos (both sides) are held by the person, and name the account's verified person",
            "the unbind letter is the template's, signed by that person",
            "the payment proof is of this account",
        ],
        CaseRequest::MfaUnbind { .. } => vec![
            "the legal representative's ID photos name the account's verified legal representative (they need not be held)",
            "the business licence (an electronic copy, stamped) names the account's verified enterprise and code",
            "the unbind letter is the template's, with the enterprise's fresh red seal",
        ],
        CaseRequest::PhoneRebind { .. } if person => vec![
            "the ID card photos (both sides) are held by the person, upper body in the photo, and name the account's verified person",
            "the application letter is the template's, signed by that person",
            "the payment proof is of this account",
        ],
        CaseRequest::PhoneRebind { .. } => vec![
            "the legal representative's ID photos are held by them, upper body in the photo, and name the account's verified legal representative",
            "the business licence (an electronic copy, stamped) names the account's verified enterprise and code",
            "the application letter is the template's, with the enterprise's fresh red seal",
        ],
        CaseRequest::IdentityMismatch { .. } => vec![
            "the household register page shows the name and ID number as submitted",
            "the page records a recent official change of the name or number",
        ],
        CaseRequest::EnterpriseRename { .. } => vec![
            "the new licence names the new name and the same code",
            "the registration change certificate or the change application form confirms the change",
        ],
        CaseRequest::EnterpriseSubject { .. } => {
            vec!["the form carries both subjects' data", "it is stamped by both subjects with fresh red seals"]
        }
        CaseRequest::Enterprise { .. } => PHOTO_RULES.to_vec(),
    }
}

/// The account's verified subject, which the material is compared with.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "subject", rename_all = "snake_case")]
pub enum VerifiedSubjectAnswer {
    /// A verified person: the name in full, the document masked.
    Person { name: String, document_type: String, id_number_masked: String, method: String, verified_at: DateTime<Utc> },
    /// A verified organisation.
    Enterprise {
        name: String,
        uscc: String,
        organisation_type: OrgType,
        legal_representative_masked: String,
        method: Method,
        verified_at: DateTime<Utc>,
    },
    /// The account has proven no identity.
    NotVerified,
}

impl VerifiedSubjectAnswer {
    fn of(state: &AppState, verified: &VerifiedSubject) -> VerifiedSubjectAnswer {
        match verified {
            VerifiedSubject::Person(p) => VerifiedSubjectAnswer::Person {
                name: state.services.keys.decrypt(&p.name_encrypted).unwrap_or_else(|_| p.name_masked.clone()),
                document_type: p.document_type.clone(),
                id_number_masked: p.id_number_masked.clone(),
                method: p.method.clone(),
                verified_at: p.verified_at,
            },
            VerifiedSubject::Enterprise(e) => VerifiedSubjectAnswer::Enterprise {
                name: e.name.clone(),
                uscc: e.uscc.to_string(),
                organisation_type: e.org_type,
                legal_representative_masked: e.legal_representative_masked.clone(),
                method: e.method,
                verified_at: e.verified_at,
            },
            VerifiedSubject::None => VerifiedSubjectAnswer::NotVerified,
        }
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
    /// Its size in bytes (absent for files kept before sizes were).
    #[serde(skip_serializing_if = "Option::is_none")]
    size_bytes: Option<u64>,
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
    /// While the case waits on its customer: the files asked for again, why, and until when.
    #[serde(skip_serializing_if = "Option::is_none")]
    material_request: Option<crate::cases::MaterialRequestAnswer>,
    /// How many files re-submissions replaced (the case's `material` holds the latest).
    replaced_files: usize,
    /// Seconds until the claim's lease lapses, by the server's clock (in review only): a
    /// countdown from this is right whatever the reviewer's clock says.
    #[serde(skip_serializing_if = "Option::is_none")]
    lease_seconds_left: Option<i64>,
    /// What the reviewer compares with the material, by the case's kind (read one by one; absent
    /// in the queue's list and for an MFA unbind).
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<CaseDetails>,
    /// The account's verified subject, which the material is compared with (read one by one).
    #[serde(skip_serializing_if = "Option::is_none")]
    verified_subject: Option<VerifiedSubjectAnswer>,
    /// What the seed asks the reviewer to check for this kind of case (read one by one).
    checklist: Vec<&'static str>,
    material: Vec<MaterialLink>,
    history: Vec<HistoryEntry>,
}

/// A case as a reviewer sees it: in the queue's list a summary; read one by one (`full`) with what
/// the reviewer compares (personal data decrypted: only the functions that read a case have the
/// data key) and its material as short-lived URLs.
pub(crate) fn staff_case_body(
    state: &AppState,
    case: &Versioned<Case>,
    view: Option<&CaseView>,
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
        material_request: crate::cases::MaterialRequestAnswer::of(c),
        replaced_files: c.superseded.len(),
        lease_seconds_left: match &c.state {
            CaseState::InReview { lease_until, .. } => Some((*lease_until - now).num_seconds().max(0)),
            _ => None,
        },
        details: if full { CaseDetails::of(state, c) } else { None },
        verified_subject: view.filter(|_| full).map(|v| VerifiedSubjectAnswer::of(state, &v.verified)),
        checklist: if full { checklist(c) } else { vec![] },
        // The material's links only for the claim's holder and leads (any reviewer finds any
        // case by its id or account).
        material: view
            .filter(|_| full)
            .into_iter()
            .flat_map(|v| &v.material)
            .map(|m| MaterialLink {
                purpose: m.purpose,
                url: m.url.clone(),
                content_type: m.content_type.to_owned(),
                size_bytes: m.size,
            })
            .collect(),
        history: history(c, true),
    }
}
