//! Small answers several handlers give, as types (their schemas are derived into the API
//! description) [issue 26].

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

/// How many other sessions were signed out.
#[derive(Serialize, JsonSchema)]
pub struct Revoked {
    pub revoked: usize,
}

/// The password changed, and how many other sessions were signed out with it.
#[derive(Serialize, JsonSchema)]
pub struct PasswordChanged {
    pub changed: bool,
    pub sessions_revoked: usize,
}

/// Until when the session may do protected operations [MFA-2].
#[derive(Serialize, JsonSchema)]
pub struct SteppedUp {
    pub step_up_expires_at: DateTime<Utc>,
}

/// A virtual MFA device bound: its recovery codes (shown once) and the sessions signed out.
#[derive(Serialize, JsonSchema)]
pub struct TotpBound {
    pub bound: bool,
    pub recovery_codes: Vec<String>,
    pub sessions_revoked: usize,
}

/// The virtual MFA device unbound, and the sessions signed out.
#[derive(Serialize, JsonSchema)]
pub struct TotpUnbound {
    pub unbound: bool,
    pub sessions_revoked: usize,
}

/// New recovery codes (shown once; the old ones no longer work).
#[derive(Serialize, JsonSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// A password reset started: the same answer whether or not the account exists [REC-4].
#[derive(Serialize, JsonSchema)]
pub struct ResetStarted {
    pub reset_id: String,
    /// How the code is sent: `sms`.
    pub methods: Vec<String>,
    pub message: String,
}

/// The password was reset; every session was signed out.
#[derive(Serialize, JsonSchema)]
pub struct ResetDone {
    pub reset: bool,
    pub sessions_revoked: bool,
}

/// An account lookup started: the same answer whether or not accounts match [REC-4].
#[derive(Serialize, JsonSchema)]
pub struct LookupStarted {
    pub lookup_id: String,
    pub message: String,
}

/// The accounts of the phone whose code was given.
#[derive(Serialize, JsonSchema)]
pub struct LookupAccounts {
    pub accounts: Vec<shared::usecases::recovery::FoundAccount>,
}

/// A captcha to solve.
#[derive(Serialize, JsonSchema)]
pub struct CaptchaAnswer {
    pub captcha_id: String,
    /// The image, as a data URI.
    pub image: String,
    pub expires_at: DateTime<Utc>,
}

/// Whether a provider's callback changed anything (a repeat changes nothing).
#[derive(Serialize, JsonSchema)]
pub struct Applied {
    pub applied: bool,
}

/// Until when the reviewer holds the case.
#[derive(Serialize, JsonSchema)]
pub struct Lease {
    pub lease_expires_at: DateTime<Utc>,
}

/// The staff password step passed: the virtual MFA step's session.
#[derive(Serialize, JsonSchema)]
pub struct StaffChallenge {
    pub challenge: StaffChallengeKind,
    pub session: String,
}

#[derive(Serialize, JsonSchema)]
#[allow(non_camel_case_types, reason = "the staff directory's own name of the challenge")]
pub enum StaffChallengeKind {
    SOFTWARE_TOKEN_MFA,
}

/// A staff access token.
#[derive(Serialize, JsonSchema)]
pub struct StaffTokensAnswer {
    pub access_token: String,
    pub token_type: crate::sessions::TokenType,
    pub expires_in: i64,
}

/// A bank card proved the person [KYC-P3].
#[derive(Serialize, JsonSchema)]
pub struct BankCardPassed {
    pub state: Passed,
    pub method: BankCardMethod,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Passed {
    Passed,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BankCardMethod {
    BankCard,
}

/// The student verified [KYC-S].
#[derive(Serialize, JsonSchema)]
pub struct StudentVerified {
    pub student: bool,
    pub school: String,
    pub level: String,
    /// The school email, masked.
    pub email: String,
    pub verified_at: DateTime<Utc>,
}

/// A phone change's step: a code sent (to the old phone, then the new one) [ACC-2].
#[derive(Serialize, JsonSchema)]
pub struct PhoneChangeStep {
    pub change_id: String,
    pub challenge_id: String,
    /// Where the code went, masked.
    pub sent_to: String,
    pub expires_at: DateTime<Utc>,
}

/// The bound phone now, masked.
#[derive(Serialize, JsonSchema)]
pub struct PhoneChanged {
    pub phone: String,
}
