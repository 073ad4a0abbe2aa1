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
    /// Seconds until then by the server's clock (a countdown from this ignores the reviewer's clock).
    pub lease_seconds_left: i64,
}

/// The staff sign-in's next step, named as the staff directory names its challenge, with the
/// session the step is answered with.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "challenge")]
#[allow(non_camel_case_types, reason = "the staff directory's own names of the challenges")]
pub enum StaffChallenge {
    /// The authenticator's code (`POST /v1/staff/sessions/second-factor`).
    SOFTWARE_TOKEN_MFA { session: String },
    /// A first sign-in: choose a new password (`POST /v1/staff/sessions/new-password`).
    NEW_PASSWORD_REQUIRED { session: String },
    /// Set up an authenticator: scan the QR code or type the secret, then send its first code
    /// (`POST /v1/staff/sessions/mfa-setup`).
    MFA_SETUP {
        session: String,
        /// The authenticator's secret, base32: shown once, kept by the authenticator only.
        secret: String,
        otpauth_uri: String,
        /// The otpauth URI as a QR code (an SVG data URI).
        qr_code: String,
    },
}

impl From<shared::usecases::review::StaffStep> for StaffChallenge {
    fn from(step: shared::usecases::review::StaffStep) -> Self {
        use shared::usecases::review::StaffStep;
        match step {
            StaffStep::SecondFactor { session } => StaffChallenge::SOFTWARE_TOKEN_MFA { session },
            StaffStep::NewPassword { session } => StaffChallenge::NEW_PASSWORD_REQUIRED { session },
            StaffStep::MfaSetup { session, secret_base32, otpauth_uri, qr_code } => StaffChallenge::MFA_SETUP {
                session,
                secret: secret_base32.expose().clone(),
                otpauth_uri: otpauth_uri.expose().clone(),
                qr_code: qr_code.expose().clone(),
            },
        }
    }
}

/// A staff access token.
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

/// A code sent: its challenge, until when it works, and when another may be asked for.
#[derive(Serialize, JsonSchema)]
pub struct CodeSent {
    pub challenge_id: String,
    pub expires_at: DateTime<Utc>,
    pub resend_after_seconds: u64,
}

/// A presigned upload: send the file with this method, URL and headers before it expires.
#[derive(Serialize, JsonSchema)]
pub struct UploadStarted {
    pub upload_id: String,
    pub method: String,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
    pub max_bytes: u64,
}

/// A QR sign-in ticket for the desktop: the QR code for the app, and its own secret to poll with.
#[derive(Serialize, JsonSchema)]
pub struct TicketIssued {
    pub ticket_id: String,
    pub secret: String,
    pub state: shared::domain::qr_login::Shown,
    pub qr_payload: String,
    pub qr_code: String,
    pub expires_at: DateTime<Utc>,
}

/// The app's step on a ticket, and which desktop it signs in.
#[derive(Serialize, JsonSchema)]
pub struct AppStepped {
    pub state: String,
    pub desktop: Desktop,
}

#[derive(Serialize, JsonSchema)]
pub struct Desktop {
    pub user_agent: String,
}

/// The reviewers' actions, newest first.
#[derive(Serialize, JsonSchema)]
pub struct AuditTrail {
    pub entries: Vec<AuditEntry>,
}

#[derive(Serialize, JsonSchema)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub staff: String,
    pub action: String,
    pub detail: Option<String>,
}

/// The bound email, masked.
#[derive(Serialize, JsonSchema)]
pub struct EmailBound {
    pub email: String,
}

/// SMS notifications per product [ACC-5].
#[derive(Serialize, JsonSchema)]
pub struct SmsNotifications {
    pub sms: std::collections::BTreeMap<String, bool>,
}

/// The account activated (the agreements accepted) [REG-4].
#[derive(Serialize, JsonSchema)]
pub struct Activated {
    pub account_id: String,
    pub activated: bool,
}

/// The account deleted [DEL-1].
#[derive(Serialize, JsonSchema)]
pub struct Deleted {
    pub deleted: bool,
    pub account_id: String,
    pub deleted_at: DateTime<Utc>,
}

/// A third-party authorization started: send the browser to `authorize_url`, keep the secret.
#[derive(Serialize, JsonSchema)]
pub struct AuthorizationStarted {
    pub authorize_url: String,
    pub browser_secret: String,
    pub expires_at: DateTime<Utc>,
}

/// A bound third-party account, masked.
#[derive(Serialize, JsonSchema)]
pub struct ThirdPartyBinding {
    pub provider: shared::domain::third_party::ThirdParty,
    pub account: String,
    pub bound_at: DateTime<Utc>,
}

/// The bound third-party accounts and the providers offered.
#[derive(Serialize, JsonSchema)]
pub struct ThirdPartyBindings {
    pub bindings: Vec<ThirdPartyBinding>,
    pub providers: Vec<shared::domain::third_party::ThirdParty>,
}

/// A face session opened (the QR code for the mobile app) [KYC-P2].
#[derive(Serialize, JsonSchema)]
pub struct FaceStarted {
    pub verification_id: String,
    pub state: FacePending,
    pub qr_payload: String,
    pub qr_code: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacePending {
    Pending,
}
