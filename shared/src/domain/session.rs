//! Console sessions [LOGIN-4, LOGIN-7]: a signed token bound to a server-side session that ends
//! after a period without activity (default 60 minutes) and at sign-out.

use chrono::Duration;

pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::minutes(60);
pub const MIN_IDLE_TIMEOUT: Duration = Duration::minutes(15);
pub const MAX_IDLE_TIMEOUT: Duration = Duration::minutes(23 * 60 + 59);
/// However active, a session (and its token) lasts at most this long.
pub const MAX_SESSION_LIFETIME: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    Password,
    PasswordAndSecondFactor,
    QrCode,
    QrCodeAndSecondFactor,
    SmsCode,
    SmsCodeAndSecondFactor,
}

impl SignInMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::PasswordAndSecondFactor => "password+2fa",
            SignInMethod::QrCode => "qr-code",
            SignInMethod::QrCodeAndSecondFactor => "qr-code+2fa",
            SignInMethod::SmsCode => "sms-code",
            SignInMethod::SmsCodeAndSecondFactor => "sms-code+2fa",
        }
    }

    /// The method once a second factor completed it [LOGIN-3].
    pub fn with_second_factor(self) -> Self {
        match self {
            SignInMethod::Password | SignInMethod::PasswordAndSecondFactor => SignInMethod::PasswordAndSecondFactor,
            SignInMethod::QrCode | SignInMethod::QrCodeAndSecondFactor => SignInMethod::QrCodeAndSecondFactor,
            SignInMethod::SmsCode | SignInMethod::SmsCodeAndSecondFactor => SignInMethod::SmsCodeAndSecondFactor,
        }
    }

    /// The factor this method itself proved, which cannot also count as the second one.
    pub fn proven_factor(self) -> Option<super::security::Factor> {
        matches!(self, SignInMethod::SmsCode).then_some(super::security::Factor::Sms)
    }
}

/// Who is calling, as the authorizer established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: super::ids::AccountId,
    pub session_id: super::ids::SessionId,
    /// The security record (credential) behind the session.
    pub credential: super::login::CredentialRef,
    /// Until when a passed second factor covers sensitive operations [MFA-2].
    pub step_up_until: Option<chrono::DateTime<chrono::Utc>>,
    /// A passport or legacy account that has not accepted the agreements yet: the session may
    /// only activate [REG-4].
    pub activation_pending: bool,
}
