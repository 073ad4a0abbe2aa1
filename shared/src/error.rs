//! The one error type of the use cases. Expected refusals are variants with what the client needs;
//! unexpected faults are `Internal` and keep their cause chain for the log (never for the client).

use crate::domain::password::PasswordRejection;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A cause kept for the log: boxed so adapters can pass any error with its chain.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField { field: String, reason: String },
    #[error("the username is already taken")]
    UsernameTaken,
    #[error("this phone number already has the maximum number of cloud accounts")]
    PhoneAccountLimit,
    #[error("the password is not acceptable: {0}")]
    WeakPassword(PasswordRejection),
    #[error("the current versions of the required agreements must be accepted")]
    AgreementsRequired { missing: Vec<&'static str> },
    #[error("the verification code is wrong")]
    CodeMismatch { attempts_left: u32 },
    #[error("the verification code has expired")]
    CodeExpired,
    #[error("the verification code has already been used")]
    CodeUsed,
    #[error("too many wrong attempts for this verification code")]
    CodeAttemptsExceeded,
    #[error("no such verification request")]
    CodeNotFound,
    #[error("too many requests; retry later")]
    RateLimited { retry_after_secs: u64 },
    #[error("the username or password is wrong")]
    InvalidCredentials,
    #[error("sign-in is temporarily locked after repeated failures")]
    SignInLocked { retry_after_secs: u64 },
    #[error("authentication is required")]
    Unauthenticated,
    #[error("not found")]
    NotFound,
    #[error("this operation needs a fresh second factor")]
    StepUpRequired { factors: Vec<crate::domain::security::Factor> },
    #[error("the second factor is wrong")]
    SecondFactorInvalid { attempts_left: Option<u32> },
    #[error("too many wrong second factors for this sign-in; sign in again")]
    SecondFactorAttemptsExceeded,
    #[error("this sign-in is unknown, expired or already finished; sign in again")]
    SignInFlowInvalid,
    #[error("no virtual MFA device is bound; bind one first")]
    TotpNotBound,
    #[error("a virtual MFA device is already bound")]
    TotpAlreadyBound,
    #[error("this MFA binding is unknown, expired or finished; start again")]
    TotpBindingInvalid,
    #[error("the current password is wrong")]
    CurrentPasswordWrong,
    #[error("the idle timeout must be between 15 and 1439 minutes")]
    IdleTimeoutOutOfRange,
    #[error("the account is already real-name verified")]
    AlreadyVerified,
    #[error("the holder of this document is under the minimum age of 14")]
    UnderAge,
    #[error("this document is already used by several other accounts")]
    DocumentAccountLimit,
    #[error("the bank did not confirm that name, ID number, card and phone belong together")]
    BankCardMismatch { attempts_left: u32, remaining_methods: Vec<&'static str> },
    #[error("no bank-card attempts are left for this account; use another method")]
    BankCardAttemptsExhausted { remaining_methods: Vec<&'static str> },
    #[error("this face session has already ended; start a new one")]
    FaceSessionEnded,
    #[error("this face session has expired; start a new one")]
    FaceSessionExpired,
    #[error("the callback signature is not valid")]
    CallbackSignatureInvalid,
    #[error("personal real-name verification is required first")]
    PersonalVerificationRequired,
    #[error("the phone number already has a passport account")]
    PhoneTaken,
    #[error("the email already signs in to another passport account")]
    EmailTaken,
    #[error("the captcha answer is wrong or the captcha has expired; get a new one")]
    CaptchaInvalid,
    #[error("accept the agreements first: this account must be activated before anything else")]
    ActivationRequired,
    #[error("the QR login ticket has expired; show a new code")]
    QrTicketExpired,
    #[error("the QR login ticket was already used or rejected")]
    QrTicketUsed,
    #[error("the QR login ticket belongs to another account's scan")]
    QrTicketForeign,
    #[error("the QR login ticket is not ready for this step")]
    QrTicketOutOfOrder,
    #[error("an outside provider is unavailable")]
    ProviderUnavailable(#[source] Cause),
    #[error("internal fault: {context}")]
    Internal {
        context: &'static str,
        #[source]
        cause: Cause,
    },
}

impl Error {
    pub fn internal(context: &'static str, cause: impl Into<Cause>) -> Self {
        Error::Internal { context, cause: cause.into() }
    }

    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidField { field: field.into(), reason: reason.into() }
    }
}
