//! The one error type of the use cases. Expected refusals are variants with what the client needs;
//! unexpected faults are `Internal` and keep their cause chain for the log (never for the client).
//!
//! Each variant carries, beside it, what the API answers for it: the HTTP status, the stable code
//! (never renamed), the meaning the README and the API description show, and where it has them
//! the details and the `Retry-After` seconds. A fault (5xx) shows the client a fixed message and
//! keeps itself, with its cause chain, for the log. Adding a variant is adding one row here.

use crate::domain::deletion::OpenWork;
use crate::domain::password::PasswordRejection;
use crate::domain::security::Factor;
use schemars::JsonSchema;
use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A cause kept for the log: boxed so adapters can pass any error with its chain.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A stable error code of the API: the code, its HTTP status and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: &'static str,
    pub status: u16,
    pub meaning: &'static str,
}

/// Declares `Error` and, from the same rows, its codes: each variant is written as
/// `Variant [fields] => status "CODE" "meaning"` followed by optional clauses:
/// `details <pattern> => <ErrorDetails or Option of one>`, `retry_after <pattern> => <seconds>` and
/// `fault "<the message the client sees>"` (the error itself goes to the log).
macro_rules! errors {
    ($(
        $(#[$attr:meta])*
        $variant:ident $(($($tuple:tt)*))? $({$($fields:tt)*})?
            => $status:literal $code:literal $meaning:literal
            $(, details $dpat:tt => $details:expr)?
            $(, retry_after $rpat:tt => $retry:expr)?
            $(, fault $public:literal)?
        ;
    )*) => {
        #[derive(Debug, thiserror::Error)]
        pub enum Error {
            $($(#[$attr])* $variant $(($($tuple)*))? $({$($fields)*})?,)*
        }

        impl Error {
            /// Every code a use case can answer with, in the order of the variants.
            pub const CODES: &'static [ErrorCode] =
                &[$(ErrorCode { code: $code, status: $status, meaning: $meaning }),*];

            /// This error's row of [`Error::CODES`].
            pub fn error_code(&self) -> ErrorCode {
                match self {
                    $(Error::$variant { .. } => ErrorCode { code: $code, status: $status, meaning: $meaning },)*
                }
            }

            /// The stable code the client sees.
            pub fn code(&self) -> &'static str {
                self.error_code().code
            }

            /// The HTTP status of the answer.
            pub fn status(&self) -> u16 {
                self.error_code().status
            }

            /// What the client needs to act on this refusal (`details` of the error body).
            #[allow(unused_variables)]
            pub fn details(&self) -> Option<ErrorDetails> {
                match self {
                    $($(Error::$variant $dpat => Into::<Option<ErrorDetails>>::into($details),)?)*
                    _ => None,
                }
            }

            /// When to retry (`Retry-After`), for the refusals that say.
            pub fn retry_after_secs(&self) -> Option<u64> {
                match self {
                    $($(Error::$variant $rpat => Some(*$retry),)?)*
                    _ => None,
                }
            }

            /// Whether this is a fault rather than a refusal: the client sees a fixed message and
            /// the error (with its cause chain) is logged.
            pub fn is_fault(&self) -> bool {
                match self {
                    $($(Error::$variant { .. } => { let _ = $public; true })?)*
                    _ => false,
                }
            }

            /// The message the client sees: the refusal's own text, or a fault's fixed message.
            pub fn public_message(&self) -> String {
                match self {
                    $($(Error::$variant { .. } => $public.to_owned(),)?)*
                    _ => self.to_string(),
                }
            }
        }
    };
}

errors! {
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField { field: String, reason: String }
        => 422 "INVALID_FIELD" "a field is missing, of the wrong type, unknown or invalid (`details.field`, `details.reason`)",
        details { field, reason } => ErrorDetails { field: Some(field.clone()), reason: Some(reason.clone()), ..NONE };
    #[error("the username is already taken")]
    UsernameTaken => 409 "USERNAME_TAKEN" "the username is taken (usernames are never reused)";
    #[error("this phone number already has the maximum number of cloud accounts")]
    PhoneAccountLimit => 409 "PHONE_ACCOUNT_LIMIT" "the phone number already has 10 cloud accounts";
    #[error("this phone number is already bound to the maximum number of passport accounts")]
    PhonePassportLimit
        => 409 "PHONE_PASSPORT_LIMIT"
            "the phone number is already bound to 5 passport accounts: bind another phone, or move one of them to another phone";
    #[error("the password is not acceptable: {0}")]
    WeakPassword(PasswordRejection) => 422 "WEAK_PASSWORD" "the password breaks the policy (`details.reason`: `LENGTH`, `CONTAINS_USERNAME`, `TOO_COMMON`, `TOO_SIMPLE`)",
        details (r) => ErrorDetails { reason: Some(r.reason_code().into()), ..NONE };
    #[error("the current versions of the required agreements must be accepted")]
    AgreementsRequired { missing: Vec<&'static str> }
        => 422 "AGREEMENTS_REQUIRED" "the current agreements were not all accepted (`details.missing`)",
        details { missing } => ErrorDetails { missing: Some(missing.clone()), ..NONE };
    #[error("the verification code is wrong")]
    CodeMismatch { attempts_left: u32 }
        => 400 "CODE_MISMATCH" "the verification code is wrong (`details.attempts_left`)",
        details { attempts_left } => ErrorDetails { attempts_left: Some(*attempts_left), ..NONE };
    #[error("the verification code has expired")]
    CodeExpired => 400 "CODE_EXPIRED" "the verification code has expired";
    #[error("the verification code has already been used")]
    CodeUsed => 400 "CODE_USED" "the verification code was already used";
    #[error("too many wrong attempts for this verification code")]
    CodeAttemptsExceeded => 400 "CODE_ATTEMPTS_EXCEEDED" "too many wrong tries: request a new code";
    #[error("no such verification request")]
    CodeNotFound => 400 "CODE_NOT_FOUND" "no such verification request";
    #[error("too many requests; retry later")]
    RateLimited { retry_after_secs: u64, limit: SendLimit }
        => 429 "RATE_LIMITED" "too many codes sent: `details.limit` says which limit, `Retry-After` when it opens again",
        details { limit, .. } => ErrorDetails { limit: Some(*limit), ..NONE },
        retry_after { retry_after_secs, .. } => retry_after_secs;
    #[error("the username or password is wrong")]
    InvalidCredentials => 401 "INVALID_CREDENTIALS" "the username or password is wrong";
    #[error("sign-in is temporarily locked after repeated failures")]
    SignInLocked { retry_after_secs: u64 }
        => 429 "SIGN_IN_LOCKED" "sign-in is locked for a while after repeated failures (`Retry-After`)",
        retry_after { retry_after_secs } => retry_after_secs;
    #[error("authentication is required")]
    Unauthenticated
        => 401 "UNAUTHENTICATED" "the token is missing, invalid, expired, signed out or idle too long";
    #[error("not found")]
    NotFound => 404 "NOT_FOUND" "no such resource for this caller";
    #[error("this operation needs a fresh second factor")]
    StepUpRequired { factors: Vec<crate::domain::security::Factor> }
        => 403 "STEP_UP_REQUIRED"
            "this operation needs a fresh second factor (`details.factors`): pass `POST /v1/step-up` first",
        details { factors } => ErrorDetails { factors: Some(factors.clone()), ..NONE };
    #[error("the second factor is wrong")]
    SecondFactorInvalid { attempts_left: Option<u32> }
        => 400 "SECOND_FACTOR_INVALID" "the second factor is wrong (`details.attempts_left` in a sign-in)",
        details { attempts_left } => attempts_left.map(|left| ErrorDetails { attempts_left: Some(left), ..NONE });
    #[error("too many wrong second factors for this sign-in; sign in again")]
    SecondFactorAttemptsExceeded
        => 400 "SECOND_FACTOR_ATTEMPTS_EXCEEDED" "too many wrong second factors: sign in again";
    #[error("this username failed repeatedly: solve a captcha to sign in from here")]
    CaptchaRequired { retry_after_secs: u64 }
        => 429 "CAPTCHA_REQUIRED"
            "the username failed repeatedly (from elsewhere): sign in with `captcha_id` and `captcha_answer` from `POST /v1/captchas`, or wait (`Retry-After`)",
        details { .. } => ErrorDetails { captcha: Some("POST /v1/captchas"), ..NONE },
        retry_after { retry_after_secs } => retry_after_secs;
    #[error("login protection needs a second factor other than the SMS code this sign-in used")]
    SecondFactorUnavailable
        => 403 "SECOND_FACTOR_UNAVAILABLE"
            "login protection needs a second factor besides the SMS code signed in with: sign in with the password, or bind a virtual MFA device";
    #[error("this protection does not accept that factor")]
    FactorNotChosen { factors: Vec<crate::domain::security::Factor> }
        => 403 "FACTOR_NOT_CHOSEN"
            "the owner did not choose this factor for this protection (login or operation): use one of `details.factors`",
        details { factors } => ErrorDetails { factors: Some(factors.clone()), ..NONE };
    #[error("this sign-in is unknown, expired or already finished; sign in again")]
    SignInFlowInvalid
        => 400 "SIGN_IN_FLOW_INVALID" "the pending sign-in is unknown, expired or finished: sign in again";
    #[error("no virtual MFA device is bound; bind one first")]
    TotpNotBound
        => 409 "TOTP_NOT_BOUND" "no virtual MFA device is bound: bind one with `POST /v1/mfa/totp` (`details.bind`)",
        details { .. } => ErrorDetails { bind: Some("POST /v1/mfa/totp".into()), ..NONE };
    #[error("a virtual MFA device is already bound")]
    TotpAlreadyBound => 409 "TOTP_ALREADY_BOUND" "a virtual MFA device is already bound";
    #[error("this MFA binding is unknown, expired or finished; start again")]
    TotpBindingInvalid
        => 400 "TOTP_BINDING_INVALID" "the MFA binding is unknown, expired or finished: start again";
    #[error("the current password is wrong")]
    CurrentPasswordWrong => 400 "CURRENT_PASSWORD_WRONG" "the current password is wrong";
    #[error("the idle timeout must be between 15 and 1439 minutes")]
    IdleTimeoutOutOfRange => 422 "IDLE_TIMEOUT_OUT_OF_RANGE" "the idle timeout must be 15-1439 minutes";
    #[error("the account is already real-name verified")]
    AlreadyVerified => 409 "ALREADY_VERIFIED" "the account is already real-name verified";
    #[error("the holder of this document is under the minimum age of 14")]
    UnderAge => 422 "UNDER_AGE" "the document's holder is under 14";
    #[error("this document is already used by several other accounts")]
    DocumentAccountLimit
        => 409 "DOCUMENT_ACCOUNT_LIMIT"
            "this document is already used by several other accounts (5 at most): sign in to one of the accounts it verified (`details.advice`)",
        details { .. } => ErrorDetails { advice: Some("sign in to one of the accounts this document already verified; find them with POST /v1/account-lookups (by identity)"), ..NONE };
    #[error("the bank did not confirm that name, ID number, card and phone belong together")]
    BankCardMismatch { attempts_left: u32, remaining_methods: Vec<&'static str> }
        => 422 "BANK_CARD_MISMATCH"
            "the bank did not confirm the four elements (`details.attempts_left`, `details.remaining_methods`)",
        details { attempts_left, remaining_methods }
            => ErrorDetails { attempts_left: Some(*attempts_left), remaining_methods: Some(remaining_methods.clone()), ..NONE };
    #[error("no bank-card attempts are left for this account; use another method")]
    BankCardAttemptsExhausted { remaining_methods: Vec<&'static str> }
        => 409 "BANK_CARD_ATTEMPTS_EXHAUSTED" "the 10 bank-card attempts are used up (`details.remaining_methods`)",
        details { remaining_methods } => ErrorDetails { remaining_methods: Some(remaining_methods.clone()), ..NONE };
    #[error("this face session has already ended; start a new one")]
    FaceSessionEnded => 409 "FACE_SESSION_ENDED" "the face session already ended: start a new one";
    #[error("this face session has expired; start a new one")]
    FaceSessionExpired => 409 "FACE_SESSION_EXPIRED" "the face session expired (10 minutes): start a new one";
    #[error("the callback signature is not valid")]
    CallbackSignatureInvalid => 401 "CALLBACK_SIGNATURE_INVALID" "a provider callback without a valid signature";
    #[error("personal real-name verification is required first")]
    PersonalVerificationRequired
        => 403 "PERSONAL_VERIFICATION_REQUIRED" "personal real-name verification is required first";
    #[error("the phone number already has a passport account")]
    PhoneTaken => 409 "PHONE_TAKEN" "the phone number already has a passport account";
    #[error("the email already signs in to another passport account")]
    EmailTaken => 409 "EMAIL_TAKEN" "the email already signs in to another passport account";
    #[error("the captcha answer is wrong or the captcha has expired; get a new one")]
    CaptchaInvalid => 400 "CAPTCHA_INVALID" "the captcha answer is wrong or it expired: get a new captcha";
    #[error("accept the agreements first: this account must be activated before anything else")]
    ActivationRequired
        => 403 "ACTIVATION_REQUIRED"
            "accept the agreements first (`POST /v1/accounts/me/activation`): nothing else works until then",
        details { .. } => ErrorDetails { activate: Some("POST /v1/accounts/me/activation"), ..NONE };
    #[error("QR sign-in is for passport accounts; a cloud account signs in with its username and password")]
    QrSignInPassportOnly
        => 403 "QR_SIGN_IN_PASSPORT_ONLY"
            "QR sign-in is for passport accounts: a cloud account signs in with its username and password";
    #[error("the QR login ticket has expired; show a new code")]
    QrTicketExpired => 409 "QR_TICKET_EXPIRED" "the QR login ticket expired (2 minutes): show a new code";
    #[error("the QR login ticket was already used or rejected")]
    QrTicketUsed => 409 "QR_TICKET_USED" "the QR login ticket was already used or rejected";
    #[error("the QR login ticket belongs to another account's scan")]
    QrTicketForeign => 403 "QR_TICKET_FOREIGN" "another account scanned this ticket";
    #[error("the QR login ticket is not ready for this step")]
    QrTicketOutOfOrder
        => 409 "QR_TICKET_OUT_OF_ORDER" "the ticket is not ready for this step (scan before confirming)";
    #[error("third-party sign-in is for passport accounts")]
    ThirdPartyPassportOnly
        => 403 "THIRD_PARTY_PASSPORT_ONLY"
            "third-party accounts bind to passport accounts only: a cloud account signs in with its username and password";
    #[error("the third-party authorization is unknown, expired, used or from another browser")]
    OAuthStateInvalid
        => 400 "OAUTH_STATE_INVALID"
            "the third-party authorization (`state`) is unknown, expired (10 minutes), already used, or was started in another browser or for another purpose: start again";
    #[error("the provider refused the authorization code")]
    OAuthCodeRejected
        => 400 "OAUTH_CODE_REJECTED"
            "the provider refused the authorization code (already used, expired, or not issued for this authorization): start again";
    #[error("this {provider} account is not bound to a passport account")]
    ThirdPartyNotBound { provider: &'static str }
        => 409 "THIRD_PARTY_NOT_BOUND"
            "this third-party account is bound to no passport account: sign in another way, then bind it in the security settings (`details.bind`)",
        details { provider } => ErrorDetails {
            provider: Some(provider),
            bind: Some(format!("POST /v1/security/third-party/{provider}/authorizations")),
            ..NONE
        };
    #[error("this {provider} account is already bound to a passport account")]
    ThirdPartyTaken { provider: &'static str }
        => 409 "THIRD_PARTY_TAKEN"
            "this third-party account is already bound to a passport account (unbind it there first) (`details.provider`)",
        details { provider } => ErrorDetails { provider: Some(provider), ..NONE };
    #[error("this account already has a bound {provider} account")]
    ThirdPartyAlreadyBound { provider: &'static str }
        => 409 "THIRD_PARTY_ALREADY_BOUND"
            "this account already has a bound account of this provider: unbind it first (`details.provider`)",
        details { provider } => ErrorDetails { provider: Some(provider), ..NONE };
    #[error("`{material}` is missing: this case needs it")]
    MaterialMissing { material: &'static str }
        => 422 "MATERIAL_MISSING" "a file the case needs is not named (`details.material`)",
        details { material } => ErrorDetails { material: Some(material), ..NONE };
    #[error("the upload for `{material}` was not found under this account")]
    UploadNotFound { material: &'static str }
        => 422 "UPLOAD_NOT_FOUND"
            "no such upload under this account (unknown, expired, or another account's) (`details.material`)",
        details { material } => ErrorDetails { material: Some(material), ..NONE };
    #[error("the upload named for `{material}` was made for another purpose")]
    UploadPurposeMismatch { material: &'static str }
        => 422 "UPLOAD_PURPOSE_MISMATCH" "the upload was made for another purpose (`details.material`)",
        details { material } => ErrorDetails { material: Some(material), ..NONE };
    #[error("the file for `{material}` is larger than 4 MB")]
    UploadTooLarge { material: &'static str }
        => 422 "UPLOAD_TOO_LARGE" "the file is empty or larger than 4 MB (`details.material`)",
        details { material } => ErrorDetails { material: Some(material), max_bytes: Some(4_194_304), ..NONE };
    #[error("the file for `{material}` is not a JPEG or PNG image")]
    UploadNotAnImage { material: &'static str }
        => 422 "UPLOAD_NOT_AN_IMAGE" "the file is not a JPEG or PNG by its content (`details.material`)",
        details { material } => ErrorDetails { material: Some(material), ..NONE };
    #[error("a case of this kind is already open for this account")]
    CaseAlreadyOpen => 409 "CASE_ALREADY_OPEN" "a case of this kind is already open: follow it or withdraw it";
    #[error("only a case no reviewer has claimed yet can be withdrawn")]
    CaseNotWithdrawable => 409 "CASE_NOT_WITHDRAWABLE" "the case is already decided or withdrawn";
    #[error("the staff sign-in failed")]
    StaffSignInFailed => 401 "STAFF_SIGN_IN_FAILED" "wrong staff username, password or MFA code (the same for each)";
    #[error("the sign-in's session has ended: sign in again")]
    StaffSessionExpired => 401 "STAFF_SESSION_EXPIRED" "a staff sign-in step's session is unknown or has ended (the staff pool keeps one 15 minutes): start again with the password";
    #[error("staff sign in through this deployment's identity provider (the dashboard's sign-in button), not with a password here")]
    StaffSignInByIssuer => 409 "STAFF_SIGN_IN_BY_ISSUER" "this deployment has no staff pool: its staff sign in through the OpenID Connect issuer it names";
    #[error("the new password does not meet the staff password policy")]
    StaffPasswordRejected => 422 "STAFF_PASSWORD_REJECTED" "the staff pool refuses the new password: at least 12 characters with a lower-case and an upper-case letter, a digit and a symbol";
    #[error("your staff role does not allow this (reviewing needs the reviewer role; audit trails, releasing claims and figures the lead role)")]
    StaffRoleRequired => 403 "STAFF_ROLE_REQUIRED" "the staff user lacks the role (reviewer, lead) this needs";
    #[error("you do not hold this case's claim (never claimed, or its lease lapsed and another took it)")]
    ClaimNotHeld => 409 "CLAIM_NOT_HELD" "the caller does not hold the case's claim: claim the next case";
    #[error("this case is already decided or withdrawn")]
    CaseClosed => 409 "CASE_CLOSED" "the case is already decided or withdrawn";
    #[error("this case waits on its customer's new material")]
    CaseAwaitingCustomer => 409 "CASE_AWAITING_CUSTOMER" "the case waits on new material from its customer, not on a reviewer";
    #[error("this case is not waiting on new material")]
    MaterialNotRequested => 409 "MATERIAL_NOT_REQUESTED" "the case is not waiting on new material, or the files sent are not those asked for";
    #[error("another reviewer holds this case's claim")]
    CaseClaimed => 409 "CASE_CLAIMED" "another reviewer holds the case's claim while its lease lasts";
    #[error("passkeys are not configured here")]
    PasskeysUnavailable => 503 "PASSKEYS_UNAVAILABLE" "passkeys are not configured for this deployment (no relying party)";
    #[error("your main account does not allow its sub-users passkeys")]
    PasskeysNotAllowed => 403 "PASSKEYS_NOT_ALLOWED" "a sub-user may have passkeys only while its main account allows them (PUT /v1/sub-users/settings)";
    #[error("this account has as many passkeys as allowed: remove one first")]
    PasskeyLimit => 409 "PASSKEY_LIMIT" "the account has 10 passkeys already (remove one first)";
    #[error("the authenticator's answer did not register a passkey: start again")]
    PasskeyNotRegistered => 422 "PASSKEY_NOT_REGISTERED" "the answer did not verify (another origin, a used or expired ceremony, a key registered already): start again";
    #[error("the passkey did not sign in")]
    PasskeySignInFailed => 401 "PASSKEY_SIGN_IN_FAILED" "the passkey did not sign in: an unknown or removed key, another origin, a used or expired challenge, or a key whose counter went back (the same answer for each)";
    #[error("a rejection needs a reason")]
    ReasonRequired => 422 "REASON_REQUIRED" "a rejection needs a reason (shown to the customer)";
    #[error("the approval cannot be applied: the account changed or a limit is reached")]
    DecisionBlocked { kind: &'static str }
        => 409 "DECISION_BLOCKED"
            "the approval cannot apply (the phone's or document's account limit, or the account changed): reject with a reason",
        details { kind } => ErrorDetails { kind: Some(kind), ..NONE };
    #[error("no attempts of this enterprise verification method are left; use another method")]
    MethodAttemptsExhausted { method: &'static str, remaining_methods: Vec<&'static str> }
        => 409 "METHOD_ATTEMPTS_EXHAUSTED"
            "the 10 attempts of this enterprise method are used up (`details.method`); the others stay open (`details.remaining_methods`)",
        details { method, remaining_methods } => ErrorDetails { method: Some(method), remaining_methods: Some(remaining_methods.clone()), ..NONE };
    #[error("this method is not offered to this organisation: {reason}")]
    MethodNotOffered { method: &'static str, reason: &'static str }
        => 409 "METHOD_NOT_OFFERED"
            "the corporate transfer is not offered to public institutions nor to holders of a third-party payment licence (`details.reason`)",
        details { method, reason } => ErrorDetails { method: Some(method), reason: Some((*reason).into()), ..NONE };
    #[error("未查到工商信息，请核对企业类型或上送的信息是否正确 (no business registration found)")]
    RegistryNotFound
        => 422 "REGISTRY_NOT_FOUND"
            "未查到工商信息，请核对企业类型或上送的信息是否正确: no registered organisation has this name and code; check the type and what was entered";
    #[error("the organisation was registered less than 7 days ago")]
    RegisteredRecently { retry_from: String }
        => 422 "REGISTERED_RECENTLY"
            "the organisation was registered less than 7 days ago: apply again from `details.retry_from`",
        details { retry_from } => ErrorDetails { retry_from: Some(retry_from.clone()), ..NONE };
    #[error("the registry files this organisation under another type")]
    OrgTypeMismatch
        => 422 "ORG_TYPE_MISMATCH" "the registry files the organisation under another type: choose its type and certificate";
    #[error("the payout cannot reach this bank")]
    BankNotSupported { suggestion: Option<String> }
        => 422 "BANK_NOT_SUPPORTED"
            "the bank is not in the supported list (`GET /v1/enterprise`); a rural commercial bank is chosen as its provincial union (`details.suggestion`); else use another method",
        details { suggestion } => ErrorDetails { suggestion: suggestion.clone(), advice: Some("choose a listed bank, or another method"), ..NONE };
    #[error("a recharge application is already waiting for its transfer")]
    RechargeAlreadyOpen
        => 409 "RECHARGE_ALREADY_OPEN" "a recharge application already waits for its transfer (3 days)";
    #[error("a corporate transfer application of this account is still open")]
    TransferAlreadyOpen
        => 409 "TRANSFER_ALREADY_OPEN"
            "a corporate transfer application of this account is still open (one at a time): finish or withdraw it first";
    #[error("the first recharge needs an SMS code sent to the bound phone")]
    ReceivingAccountCodeRequired
        => 422 "RECEIVING_ACCOUNT_CODE_REQUIRED"
            "the first recharge creates the receiving account: send a code (purpose `receiving-account`) to the bound phone and give `challenge_id` and `code`";
    #[error("the application is not at this step")]
    ApplicationNotAtStep { state: &'static str }
        => 409 "APPLICATION_NOT_AT_STEP" "the application is not at this step (`details.state`)",
        details { state } => ErrorDetails { state: Some(state), ..NONE };
    #[error("the application changed meanwhile; read it again")]
    ApplicationChanged => 409 "APPLICATION_CHANGED" "the application changed meanwhile: read it and try again";
    #[error("the amount is not the one paid")]
    AmountWrong { entries_left: u32 }
        => 422 "AMOUNT_WRONG"
            "not the amount paid (`details.entries_left`; at 0 the application has failed: start a new one)",
        details { entries_left } => ErrorDetails { entries_left: Some(*entries_left), ..NONE };
    #[error("this change of the verified subject is not supported: {reason}")]
    ChangeNotSupported { reason: &'static str }
        => 409 "CHANGE_NOT_SUPPORTED"
            "this change is not supported: an enterprise verification never becomes a personal one (CHG-1) (`details.reason`)",
        details { reason } => ErrorDetails { reason: Some((*reason).into()), ..NONE };
    #[error("this change does not apply to the account's verification")]
    ChangeNotApplicable
        => 409 "CHANGE_NOT_APPLICABLE"
            "the change does not fit the account's verification (a person's change needs a personal verification, a name change an enterprise one), or it changed meanwhile";
    #[error("a change of the verified subject completed less than 30 days ago")]
    ChangeTooSoon { retry_from: String }
        => 409 "CHANGE_TOO_SOON" "one change completes per 30 days: start again from `details.retry_from`",
        details { retry_from } => ErrorDetails { retry_from: Some(retry_from.clone()), ..NONE };
    #[error("this account cannot change its organisation online: contact your account manager or open a ticket")]
    ChangeNotEligible
        => 409 "CHANGE_NOT_ELIGIBLE"
            "this account cannot change its organisation online (an offline framework contract): contact your account manager or open a ticket";
    #[error("another change of the verified subject is open")]
    ChangeAlreadyOpen => 409 "CHANGE_ALREADY_OPEN" "another change is open: finish or withdraw it";
    #[error("the change is not at this step")]
    ChangeNotAtStep { state: &'static str }
        => 409 "CHANGE_NOT_AT_STEP" "the change is not at this step, or its time is over (`details.state`)",
        details { state } => ErrorDetails { state: Some(state), ..NONE };
    #[error("the appeal is no longer being drafted")]
    AppealNotDrafting
        => 409 "APPEAL_NOT_DRAFTING"
            "the appeal was submitted already, or its 2 hours to submit are over (open a new one)";
    #[error("the account cannot be deleted until the conditions that fail are fixed")]
    DeletionBlocked { conditions: Vec<&'static str>, open_work: Vec<crate::domain::deletion::OpenWork> }
        => 409 "DELETION_BLOCKED"
            "a blocking condition of the deletion check fails (`details.conditions`; work in progress in `details.open_work`, each to withdraw or wait for): fix it where the check says, then check again",
        details { conditions, open_work } => ErrorDetails { conditions: Some(conditions.clone()), open_work: Some(open_work.clone()), ..NONE };
    #[error("deleting gives up what the account holds: acknowledge each")]
    ForfeitsNotAcknowledged { forfeits: Vec<&'static str> }
        => 409 "FORFEITS_NOT_ACKNOWLEDGED"
            "deleting gives up the balance, vouchers or resources in `details.forfeits`: name each in `acknowledged_forfeits` to go on",
        details { forfeits } => ErrorDetails { forfeits: Some(forfeits.clone()), ..NONE };
    #[error("the deletion's confirmation is not valid: run the check again")]
    DeletionConfirmationInvalid
        => 409 "DELETION_CONFIRMATION_INVALID"
            "the confirmation token is wrong, used, expired (10 minutes) or from another session: run the check again";
    #[error("the account changed since the check: run the check again")]
    DeletionStateChanged => 409 "DELETION_STATE_CHANGED" "the account changed since the check: run the check again";
    #[error("the cloud account of this passport account is still being erased")]
    DeletionInProgress
        => 409 "DELETION_IN_PROGRESS" "the deleted cloud account is still being erased: activate again in a few minutes";
    #[error("a sub-user cannot do this: sign in as the main account")]
    SubUserForbidden
        => 403 "SUB_USER_FORBIDDEN"
            "a sub-user session cannot reach the main account's account centre (verification, contacts, deletion, sub-users, protection): sign in as the main account";
    #[error("the main account already has a sub-user with this username")]
    SubUserNameTaken => 409 "SUB_USER_NAME_TAKEN" "the main account already has a sub-user with this username";
    #[error("the main account has the maximum number of sub-users")]
    SubUserLimit => 409 "SUB_USER_LIMIT" "the main account has 100 sub-users: delete one first";
    #[error("another account uses this alias")]
    AliasTaken => 409 "ALIAS_TAKEN" "another main account uses this sign-in alias: choose another";
    #[error("an outside provider is unavailable")]
    ProviderUnavailable(#[source] Cause)
        => 503 "PROVIDER_UNAVAILABLE" "an outside provider (SMS, face, bank, registry, payout, identity) did not answer; retry",
        fault "an outside provider is unavailable; retry later";
    #[error("the store stayed busy: {context}")]
    TryAgain {
        context: &'static str,
        #[source]
        cause: Cause,
    } => 503 "TRY_AGAIN"
            "the request met concurrent writes to the same records (or throttling) longer than its time allows; nothing was changed, except that a secret it already compared (a code, a password) stays counted as a try: send it again after `Retry-After`",
        retry_after { .. } => &TRY_AGAIN_AFTER_SECS,
        fault "busy; nothing was changed: retry";
    #[error("internal fault: {context}")]
    Internal {
        context: &'static str,
        #[source]
        cause: Cause,
    } => 500 "INTERNAL" "an unexpected fault; quote the request id",
        fault "an unexpected error occurred";
}

/// Which limit of code sends a `RATE_LIMITED` answer met (`details.limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SendLimit {
    /// One code a minute to a phone or email.
    TargetInterval,
    /// The codes a day to one phone or email (of this purpose, or of every purpose).
    TargetDaily,
    /// The codes a day one caller asks for.
    CallerDaily,
}

/// What the client needs to act on a refusal: `details` of the error body. Each code fills the
/// fields its meaning names (see [`Error::CODES`]); the rest are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ErrorDetails {
    /// The field that is invalid (`INVALID_FIELD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why: the field's fault, the password rule broken, why a method or change is not offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The agreements (ids) whose current versions were not accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<&'static str>>,
    /// Wrong tries left before the code, sign-in or method is used up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// The second factors that would do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factors: Option<Vec<Factor>>,
    /// Where to get a captcha.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captcha: Option<&'static str>,
    /// Where to bind what is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// What to do instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<&'static str>,
    /// The verification methods still open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_methods: Option<Vec<&'static str>>,
    /// Where to activate the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activate: Option<&'static str>,
    /// The third-party provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// The material (upload purpose) at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub material: Option<&'static str>,
    /// The largest file accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// The case kind whose approval is blocked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// The enterprise method at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<&'static str>,
    /// When to apply again (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_from: Option<String>,
    /// The listed bank to choose instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The state the application or change is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    /// Amount entries left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries_left: Option<u32>,
    /// The blocking conditions of the deletion check that fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<&'static str>>,
    /// Work in progress to withdraw or wait for before deleting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_work: Option<Vec<OpenWork>>,
    /// What deleting gives up, each to acknowledge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forfeits: Option<Vec<&'static str>>,
    /// Which limit of code sends was met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<SendLimit>,
}

/// No details: the base the rows fill.
const NONE: ErrorDetails = ErrorDetails {
    field: None,
    reason: None,
    missing: None,
    attempts_left: None,
    factors: None,
    captcha: None,
    bind: None,
    advice: None,
    remaining_methods: None,
    activate: None,
    provider: None,
    material: None,
    max_bytes: None,
    kind: None,
    method: None,
    retry_from: None,
    suggestion: None,
    state: None,
    entries_left: None,
    conditions: None,
    open_work: None,
    forfeits: None,
    limit: None,
};

/// When a `TRY_AGAIN` answer says to send the request again.
pub const TRY_AGAIN_AFTER_SECS: u64 = 1;

impl Error {
    pub fn internal(context: &'static str, cause: impl Into<Cause>) -> Self {
        Error::Internal { context, cause: cause.into() }
    }

    /// Concurrent writes kept changing what a request read, beyond its tries: `TRY_AGAIN`.
    pub fn busy(context: &'static str, why: &'static str) -> Self {
        Error::TryAgain { context, cause: why.into() }
    }

    /// The same error, its context (for the log) replaced when it has one.
    pub fn in_context(self, context: &'static str) -> Self {
        match self {
            Error::Internal { cause, .. } => Error::Internal { context, cause },
            Error::TryAgain { cause, .. } => Error::TryAgain { context, cause },
            other => other,
        }
    }

    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidField { field: field.into(), reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_each_variant_answers_its_own_row() {
        let codes: BTreeSet<&str> = Error::CODES.iter().map(|c| c.code).collect();
        assert_eq!(codes.len(), Error::CODES.len(), "a code is used twice");
        let e = Error::CodeMismatch { attempts_left: 3 };
        assert_eq!((e.code(), e.status()), ("CODE_MISMATCH", 400));
        assert_eq!(e.details(), Some(ErrorDetails { attempts_left: Some(3), ..NONE }));
        assert!(Error::CODES.contains(&e.error_code()));
        assert_eq!(Error::SecondFactorInvalid { attempts_left: None }.details(), None);
        assert_eq!(
            Error::RateLimited { retry_after_secs: 9, limit: SendLimit::CallerDaily }.retry_after_secs(),
            Some(9)
        );
        assert_eq!(Error::UsernameTaken.details(), None);
    }

    #[test]
    fn faults_hide_their_cause_from_the_client() {
        let e = Error::internal("read the account", "the table is gone");
        assert!(e.is_fault());
        assert_eq!(e.public_message(), "an unexpected error occurred");
        assert!(!Error::NotFound.is_fault());
        assert_eq!(Error::NotFound.public_message(), "not found");
    }
}
