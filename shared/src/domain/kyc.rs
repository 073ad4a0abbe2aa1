//! Personal real-name verification [KYC-P1..KYC-P6] and student status [STU-1]: limits, the face
//! session's state machine and what an account may do.

use super::flow::{Flow, FlowKind};
use super::ids::AccountId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Bank-card attempts per account [KYC-P3].
pub const MAX_BANK_CARD_ATTEMPTS: u32 = 10;
/// Accounts one identity document may verify [KYC-P4].
pub const MAX_ACCOUNTS_PER_DOCUMENT: u32 = 5;
/// A face session (its QR code) is valid this long.
pub const FACE_SESSION_TTL: Duration = Duration::minutes(10);
/// The student email code is valid 30 minutes [STU-1].
pub const STUDENT_CODE_TTL: Duration = Duration::minutes(30);

/// The agreement a personal verification accepts, and the two of student verification.
pub const PERSONAL_AGREEMENT: (&str, &str) = ("real-name-verification-agreement", "2024-06");
pub const STUDENT_AGREEMENTS: [(&str, &str); 2] =
    [("student-verification-agreement", "2024-09"), ("student-privacy-notice", "2024-09")];

/// The SPEC's words for the sixth account on one document [KYC-P4].
pub const DOCUMENT_LIMIT_MESSAGE: &str = "this document is already used by several other accounts";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceState {
    Pending,
    Passed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceEvent {
    Passed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FaceRefusal {
    #[error("the face session has already ended")]
    Ended,
    #[error("the face session has expired")]
    Expired,
}

/// The face session's transition: only a pending, unexpired session takes a result; a failure
/// ends it for good (the user starts a new one) [KYC-P2].
pub fn face_transition(
    state: FaceState,
    expires_at: DateTime<Utc>,
    event: FaceEvent,
    now: DateTime<Utc>,
) -> Result<FaceState, FaceRefusal> {
    if state != FaceState::Pending {
        return Err(FaceRefusal::Ended);
    }
    if now >= expires_at {
        return Err(FaceRefusal::Expired);
    }
    Ok(match event {
        FaceEvent::Passed => FaceState::Passed,
        FaceEvent::Failed => FaceState::Failed,
    })
}

/// The state shown to the owner: a pending session past its expiry reads as expired.
pub fn face_state_shown(state: FaceState, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> FaceShown {
    match state {
        FaceState::Pending if now >= expires_at => FaceShown::Expired,
        FaceState::Pending => FaceShown::Pending,
        FaceState::Passed => FaceShown::Passed,
        FaceState::Failed => FaceShown::Failed,
    }
}

/// A face session's state as its owner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaceShown {
    Pending,
    Passed,
    Failed,
    /// Not scanned in time.
    Expired,
}

/// A person proven to own the account, as stored (personal data encrypted and masked).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct PersonalIdentity {
    pub method: String,
    pub name_encrypted: String,
    pub name_masked: String,
    pub document_type: String,
    pub id_number_encrypted: String,
    pub id_number_masked: String,
    pub document_hash: String,
    pub verified_at: DateTime<Utc>,
}

/// A face check in progress [KYC-P2], a stored flow:
///
/// ```text
/// pending --passed--> passed
///    |----failed----> failed
///    '-- (10 minutes) --> reads as expired; takes no result
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaceVerification {
    pub account_id: AccountId,
    pub state: FaceState,
    pub expires_at: DateTime<Utc>,
    pub provider_session_id: String,
    /// The person to verify, sealed as it will be stored on the account (a personal check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<PersonalIdentity>,
    /// The flow whose face check this is, if not a personal verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_flow: Option<FaceFor>,
}

/// The flow a face check serves beyond personal verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flow", content = "id", rename_all = "snake_case")]
pub enum FaceFor {
    /// An enterprise application's legal representative, authorised person or handler [KYC-E4, KYC-E5].
    Enterprise(super::ids::FlowId),
    /// The current person of a subject change proves themselves [CHG-5].
    ChangeOwner(super::ids::FlowId),
    /// The new person of a subject change (`identity` is theirs) [CHG-5].
    ChangeNewPerson(super::ids::FlowId),
}

impl Flow for FaceVerification {
    const KIND: FlowKind = FlowKind::FaceCheck;
    type Event<'a> = FaceEvent;
    type Refusal = FaceRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Listed under its account so that deleting the account erases it [DEL-3].
    fn owner(&self) -> Option<&AccountId> {
        Some(&self.account_id)
    }

    fn apply(mut self, event: FaceEvent, now: DateTime<Utc>) -> Result<Self, FaceRefusal> {
        self.state = face_transition(self.state, self.expires_at, event, now)?;
        Ok(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Unverified,
    Personal,
    /// An organisation; `general`: a general enterprise (一般企业类).
    Enterprise {
        general: bool,
    },
}

/// What an account may do, from its verification and student status [KYC-P6, section 3].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Entitlements {
    pub cloud_services: bool,
    pub invoices: bool,
    pub online_contracts: bool,
    pub vat_special_invoices: bool,
    pub sms_product: bool,
    /// Live streaming and video-on-demand: usable at all, and its traffic limit (`None`: none).
    pub live_vod: bool,
    pub live_vod_traffic_limit_gb: Option<u32>,
    pub student: bool,
}

pub fn entitlements(verification: Verification, student: bool) -> Entitlements {
    match verification {
        Verification::Unverified => Entitlements {
            cloud_services: false,
            invoices: false,
            online_contracts: false,
            vat_special_invoices: false,
            sms_product: false,
            live_vod: false,
            live_vod_traffic_limit_gb: None,
            student: false,
        },
        Verification::Personal => Entitlements {
            cloud_services: true,
            invoices: true,
            online_contracts: true,
            vat_special_invoices: false,
            sms_product: false,
            live_vod: true,
            live_vod_traffic_limit_gb: Some(100),
            student,
        },
        // VAT special invoices only for general enterprises; the SMS product; no 100 GB limit
        // [KYC-E7, section 3]. Student status is personal.
        Verification::Enterprise { general } => Entitlements {
            cloud_services: true,
            invoices: true,
            online_contracts: true,
            vat_special_invoices: general,
            sms_product: true,
            live_vod: true,
            live_vod_traffic_limit_gb: None,
            student: false,
        },
    }
}

/// An `edu` address: the domain is `edu` or has an `edu` label (`pku.edu.cn`, `mit.edu`).
pub fn is_edu_email(email: &str) -> bool {
    email.rsplit_once('@').is_some_and(|(_, domain)| domain.to_ascii_lowercase().split('.').any(|label| label == "edu"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_face_session_takes_one_result_before_it_expires() {
        let now = Utc::now();
        let later = now + FACE_SESSION_TTL;
        assert_eq!(face_transition(FaceState::Pending, later, FaceEvent::Passed, now), Ok(FaceState::Passed));
        assert_eq!(face_transition(FaceState::Pending, later, FaceEvent::Failed, now), Ok(FaceState::Failed));
        assert_eq!(face_transition(FaceState::Failed, later, FaceEvent::Passed, now), Err(FaceRefusal::Ended));
        assert_eq!(face_transition(FaceState::Passed, later, FaceEvent::Failed, now), Err(FaceRefusal::Ended));
        assert_eq!(face_transition(FaceState::Pending, now, FaceEvent::Passed, now), Err(FaceRefusal::Expired));
        assert_eq!(face_state_shown(FaceState::Pending, now, now), FaceShown::Expired);
    }

    #[test]
    fn personal_verification_unlocks_services_but_not_enterprise_ones() {
        let none = entitlements(Verification::Unverified, false);
        assert!(!none.cloud_services && !none.invoices && none.live_vod_traffic_limit_gb.is_none());
        let personal = entitlements(Verification::Personal, true);
        assert!(
            personal.cloud_services && personal.invoices && !personal.vat_special_invoices && !personal.sms_product
        );
        assert_eq!(personal.live_vod_traffic_limit_gb, Some(100));
        assert!(personal.student);
        assert!(!entitlements(Verification::Unverified, true).student);
        let company = entitlements(Verification::Enterprise { general: true }, false);
        assert!(company.vat_special_invoices && company.sms_product && company.live_vod);
        assert_eq!(company.live_vod_traffic_limit_gb, None);
        assert!(!entitlements(Verification::Enterprise { general: false }, false).vat_special_invoices);
    }

    #[test]
    fn edu_addresses() {
        assert!(is_edu_email("li@pku.edu.cn"));
        assert!(is_edu_email("a@MIT.EDU"));
        assert!(!is_edu_email("a@education.com"));
        assert!(!is_edu_email("edu@gmail.com"));
        assert!(!is_edu_email("not-an-email"));
    }
}
