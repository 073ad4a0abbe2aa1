//! The one list of Lambdas: each row names a function's binary, its handler, what it needs and
//! its routes. From it follow the bins' properties (`src/bin/<binary>.rs` names its handler and
//! gets its row at compile time), the local gateway's and the tests' binary -> handler lookup,
//! the routes the `$default` handler knows, and the checks against template.yaml (functions,
//! routes, `kms:Decrypt` only where `data_key: true`) and the `[[bin]]` entries of Cargo.toml.
//!
//! `data_key: true` for the functions that read or write personal data (field encryption): only
//! they decrypt the data key at cold start and may `kms:Decrypt` it. The secret groups each
//! function reads at cold start (and may `secretsmanager:GetSecretValue`) follow from
//! [`secret_needs`].

use crate::api_doc::{
    agreements_example, body, callback_example, plain_text, typed, Doc, CODE_SENT, NO_CONTENT, SIGNED_IN,
};
use crate::{
    accounts, agreements, authorizer, cases, changes, codes, contact, dashboard, deletion, enterprise, fallback, kyc,
    mfa, passkeys, qr, recovery, review, security, sessions, sub_users, third_party, workers, AppState,
};
pub use futures::future::BoxFuture;
pub use lambda_http::Request;
use lambda_http::{Body, Response};
use serde_json::json;
use shared::secrets::{
    SecretGroup, SecretSet, BANK_CARD, BANK_NOTIFY, FACE, FACE_CALLBACK, HASH_PEPPER, MESSAGING, OAUTH, PAYOUT,
    PAYOUT_CALLBACK, REGISTRY, RESOURCES, RISK, TOKEN_KEYS,
};
pub use shared::services::Needs;

/// What an HTTP Lambda runs for a request.
pub type HttpHandler = for<'a> fn(&'a AppState, Request) -> BoxFuture<'a, Response<Body>>;

/// What a queue worker runs for a batch of SQS messages: the messages that failed (partial batch
/// failures; the queue redelivers them, and after its retries moves them to its dead-letter queue).
pub type WorkerHandler = for<'a> fn(&'a AppState, SqsEvent) -> BoxFuture<'a, SqsBatchResponse>;

/// What a scheduled worker runs for a schedule's event (EventBridge Scheduler).
pub type ScheduleHandler = for<'a> fn(&'a AppState, serde_json::Value) -> BoxFuture<'a, Result<(), shared::Error>>;

/// One Lambda of template.yaml.
#[derive(Debug, Clone, Copy)]
pub struct Lambda {
    /// The binary: template.yaml's `BuildProperties.Binary`, the `[[bin]]` and `src/bin/<binary>.rs`.
    pub binary: &'static str,
    /// The handler's path in this crate (`sessions::sign_in::handle`).
    pub handler: &'static str,
    /// The HTTP API's authorizer rather than a route's handler.
    pub authorizer: bool,
    pub needs: Needs,
    /// Its `(method, path)` routes (none: the authorizer, the workers, and the `$default` route's handler).
    pub routes: &'static [(&'static str, &'static str)],
    /// For a queue worker, the logical id of the queue that feeds it.
    pub queue: Option<&'static str>,
    /// For a scheduled worker, its schedule expression (`rate(5 minutes)`).
    pub schedule: Option<&'static str>,
}

macro_rules! lambdas {
    (@doc) => {
        None
    };
    (@doc $doc:expr) => {
        Some($doc)
    };
    (
        authorizer $auth_bin:ident => $auth:path, data_key: $auth_key:literal;
        $(@worker $wbin:ident => $whandler:path, data_key: $wkey:literal, queue: $queue:literal;)*
        $(@schedule $sbin:ident => $shandler:path, data_key: $skey:literal, every: $every:literal;)*
        $($bin:ident => $handler:path, data_key: $key:literal, routes: [$($method:ident $path:literal),*]
            $(, doc: $doc:expr)?;)*
    ) => {
        /// The binary name of the authorizer function.
        pub const AUTHORIZER: &str = stringify!($auth_bin);

        /// Every Lambda, the authorizer first.
        pub const LAMBDAS: &[Lambda] = &[
            Lambda {
                binary: stringify!($auth_bin),
                handler: stringify!($auth),
                authorizer: true,
                needs: Needs { data_key: $auth_key, secrets: secret_needs(stringify!($auth_bin)) },
                routes: &[],
                queue: None,
                schedule: None,
            },
            $(Lambda {
                binary: stringify!($wbin),
                handler: stringify!($whandler),
                authorizer: false,
                needs: Needs { data_key: $wkey, secrets: secret_needs(stringify!($wbin)) },
                routes: &[],
                queue: Some($queue),
                schedule: None,
            },)*
            $(Lambda {
                binary: stringify!($sbin),
                handler: stringify!($shandler),
                authorizer: false,
                needs: Needs { data_key: $skey, secrets: secret_needs(stringify!($sbin)) },
                routes: &[],
                queue: None,
                schedule: Some($every),
            },)*
            $(Lambda {
                binary: stringify!($bin),
                handler: stringify!($handler),
                authorizer: false,
                needs: Needs { data_key: $key, secrets: secret_needs(stringify!($bin)) },
                routes: &[$((stringify!($method), $path)),*],
                queue: None,
                schedule: None,
            },)*
        ];

        /// What the API description says of an HTTP Lambda of the JSON API beyond its routes (its
        /// request body and success answers, from their types), by binary; none for a page. A
        /// function, not a field of [`LAMBDAS`]: a bin links only its own row, never every
        /// answer's schema code.
        pub fn doc(binary: &str) -> Option<Doc> {
            match binary {
                $(stringify!($bin) => lambdas!(@doc $($doc)?),)*
                _ => None,
            }
        }

        /// Every `(method, path)` route of every function.
        pub const ROUTES: &[(&str, &str)] = &[$($((stringify!($method), $path),)*)*];

        /// Every HTTP handler's binary name.
        pub const HTTP_BINARIES: &[&str] = &[$(stringify!($bin)),*];

        /// The handler an HTTP Lambda runs, by binary name (the local gateway and the tests).
        pub fn http_handler(binary: &str) -> Option<HttpHandler> {
            Some(match binary {
                $(stringify!($bin) => crate::http_handler!($handler),)*
                _ => return None,
            })
        }

        /// The handler a queue worker runs, by binary name (the local gateway's queue polling).
        pub fn worker_handler(binary: &str) -> Option<WorkerHandler> {
            Some(match binary {
                $(stringify!($wbin) => crate::worker_handler!($whandler),)*
                _ => return None,
            })
        }

        /// The handler a scheduled worker runs, by binary name (the local gateway's schedules).
        pub fn schedule_handler(binary: &str) -> Option<ScheduleHandler> {
            Some(match binary {
                $(stringify!($sbin) => crate::schedule_handler!($shandler),)*
                _ => return None,
            })
        }

        const _: AuthorizerFn = crate::authorizer_fn!($auth);
    };
}

lambdas! {
    authorizer authorizer => authorizer::decide, data_key: false;
    @worker deliver_messages => workers::deliver_messages::handle, data_key: true, queue: "OutboxQueue";
    @worker expire_flows => workers::expire_flows::handle, data_key: true, queue: "ExpiryQueue";
    @worker resolve_recoveries => workers::resolve_recoveries::handle, data_key: true, queue: "RecoveryQueue";
    @schedule sweep_deadlines => workers::sweep_deadlines::handle, data_key: false, every: "rate(5 minutes)";
    send_sms_code => codes::send_sms_code::handle, data_key: true, routes: [POST "/v1/sms-codes"],
        doc: Doc {
            request: Some(body::<crate::codes::send_sms_code::SendCodeBody>),
            query: &[],
            example: Some(|| json!({ "phone": "13800001234", "purpose": "register" })),
            success: CODE_SENT,
        };
    read_agreements => agreements::handle, data_key: false, routes: [GET "/v1/agreements"],
        doc: Doc::answers(&[(200, "the current agreements", Some(typed::<crate::agreements::AgreementsAnswer>))]);
    register_account => accounts::register_account::handle, data_key: true, routes: [POST "/v1/accounts"],
        doc: Doc {
            request: Some(body::<accounts::register_account::RegisterBody>),
            query: &[],
            example: Some(|| {
                json!({ "username": "alice_01", "password": "Velvet-Harbor-42", "phone": "13800001234",
                    "challenge_id": "0123456789abcdef0123456789abcdef", "sms_code": "123456", "agreements": agreements_example() })
            }),
            success: &[(201, "the account", Some(typed::<accounts::register_account::RegisteredAnswer>))],
        };
    read_account => accounts::read_account::handle, data_key: false, routes: [GET "/v1/accounts/me"],
        doc: Doc::answers(&[(200, "my account", Some(typed::<accounts::read_account::AccountAnswer>))]);
    sign_in => sessions::sign_in::handle, data_key: false, routes: [POST "/v1/sessions"],
        doc: Doc {
            request: Some(body::<sessions::sign_in::SignInBody>),
            query: &[],
            example: Some(|| json!({ "username": "alice_01", "password": "Velvet-Harbor-42" })),
            success: SIGNED_IN,
        };
    sign_out => sessions::sign_out::handle, data_key: false, routes: [DELETE "/v1/sessions/current"],
        doc: Doc::answers(NO_CONTENT);
    not_found => fallback::handle, data_key: false, routes: [];
    send_sign_in_code => sessions::send_sign_in_code::handle, data_key: true,
        routes: [POST "/v1/sessions/second-factor/sms-codes"],
        doc: Doc::takes(body::<sessions::send_sign_in_code::SendBody>, CODE_SENT);
    complete_sign_in => sessions::complete_sign_in::handle, data_key: true, routes: [POST "/v1/sessions/second-factor"],
        doc: Doc::takes(body::<sessions::complete_sign_in::CompleteBody>, &[(201, "signed in: the session", Some(typed::<sessions::SessionAnswer>))]);
    begin_passkey_registration => passkeys::registration::begin, data_key: false,
        routes: [POST "/v1/passkeys/registrations"],
        doc: Doc::takes(body::<passkeys::registration::PasskeyNameBody>, &[(201, "the options for navigator.credentials.create", Some(typed::<passkeys::CeremonyAnswer>))]);
    finish_passkey_registration => passkeys::registration::finish, data_key: false,
        routes: [POST "/v1/passkeys/registrations/{registration_id}"],
        doc: Doc::takes(body::<passkeys::registration::CredentialBody>, &[(201, "the passkey registered", Some(typed::<passkeys::PasskeyAnswer>))]);
    list_passkeys => passkeys::registration::list, data_key: false, routes: [GET "/v1/passkeys"],
        doc: Doc::answers(&[(200, "the account's passkeys", Some(typed::<passkeys::PasskeysAnswer>))]);
    rename_passkey => passkeys::registration::rename, data_key: false, routes: [PUT "/v1/passkeys/{passkey_id}"],
        doc: Doc::takes(body::<passkeys::registration::PasskeyNameBody>, &[(200, "renamed", Some(typed::<passkeys::PasskeyAnswer>))]);
    remove_passkey => passkeys::registration::remove, data_key: false, routes: [DELETE "/v1/passkeys/{passkey_id}"],
        doc: Doc::answers(NO_CONTENT);
    begin_passkey_sign_in => passkeys::sign_in::begin, data_key: false, routes: [POST "/v1/passkey-sign-ins"],
        doc: Doc::takes(body::<passkeys::sign_in::PasskeySignInBody>, &[(201, "the options for navigator.credentials.get", Some(typed::<passkeys::CeremonyAnswer>))]);
    finish_passkey_sign_in => passkeys::sign_in::finish, data_key: true, routes: [POST "/v1/passkey-sign-ins/{sign_in_id}"],
        doc: Doc::takes(body::<passkeys::registration::CredentialBody>, &[(201, "signed in: the session", Some(typed::<sessions::SessionAnswer>))]);
    begin_passkey_second_factor => passkeys::second_factor::begin, data_key: false,
        routes: [POST "/v1/sessions/second-factor/passkey"],
        doc: Doc::takes(body::<passkeys::second_factor::BeginBody>, &[(201, "the options for navigator.credentials.get", Some(typed::<passkeys::CeremonyAnswer>))]);
    finish_passkey_second_factor => passkeys::second_factor::finish, data_key: true,
        routes: [POST "/v1/sessions/second-factor/passkey/{ceremony_id}"],
        doc: Doc::takes(body::<passkeys::registration::CredentialBody>, &[(201, "signed in: the session", Some(typed::<sessions::SessionAnswer>))]);
    begin_passkey_step_up => passkeys::step_up::begin, data_key: false, routes: [POST "/v1/step-up/passkey"],
        doc: Doc::answers(&[(201, "the options for navigator.credentials.get", Some(typed::<passkeys::CeremonyAnswer>))]);
    finish_passkey_step_up => passkeys::step_up::finish, data_key: true, routes: [POST "/v1/step-up/passkey/{ceremony_id}"],
        doc: Doc::takes(body::<passkeys::registration::CredentialBody>, &[(201, "the session passed a second factor", Some(typed::<crate::answers::SteppedUp>))]);
    list_sessions => sessions::list_sessions::handle, data_key: false, routes: [GET "/v1/sessions"],
        doc: Doc::answers(&[(200, "my sessions", Some(typed::<sessions::list_sessions::SessionsAnswer>))]);
    revoke_session => sessions::revoke_session::handle, data_key: false, routes: [DELETE "/v1/sessions/{session_id}"],
        doc: Doc::answers(NO_CONTENT);
    revoke_other_sessions => sessions::revoke_other_sessions::handle, data_key: false,
        routes: [DELETE "/v1/sessions/others"],
        doc: Doc::answers(&[(200, "how many sessions ended", Some(typed::<crate::answers::Revoked>))]);
    read_security => security::read_security::handle, data_key: false, routes: [GET "/v1/security"],
        doc: Doc::answers(&[(200, "security settings", Some(typed::<security::read_security::SecurityAnswer>))]);
    set_protection => security::set_protection::handle, data_key: false, routes: [PUT "/v1/security/protection"],
        doc: Doc {
            request: Some(body::<security::set_protection::ProtectionBody>),
            query: &[],
            example: Some(
                || json!({ "login_protection": true, "operation_protection": true, "login_factors": ["totp"], "operation_factors": ["sms", "totp"] }),
            ),
            success: NO_CONTENT,
        };
    set_session_settings => security::set_session_settings::handle, data_key: false,
        routes: [PUT "/v1/security/session-settings"],
        doc: Doc {
            request: Some(body::<security::set_session_settings::SessionSettingsBody>),
            query: &[],
            example: Some(|| json!({ "idle_timeout_minutes": 60 })),
            success: NO_CONTENT,
        };
    change_password => security::change_password::handle, data_key: false, routes: [PUT "/v1/accounts/me/password"],
        doc: Doc::takes(body::<security::change_password::ChangePasswordBody>, &[(200, "the password was changed", Some(typed::<crate::answers::PasswordChanged>))]);
    send_step_up_code => security::send_step_up_code::handle, data_key: true, routes: [POST "/v1/step-up/sms-codes"],
        doc: Doc::answers(CODE_SENT);
    step_up => security::step_up::handle, data_key: true, routes: [POST "/v1/step-up"],
        doc: Doc::takes(body::<security::step_up::StepUpBody>, &[(201, "the session passed a second factor", Some(typed::<crate::answers::SteppedUp>))]);
    start_totp_binding => mfa::start_totp_binding::handle, data_key: true, routes: [POST "/v1/mfa/totp"],
        doc: Doc::answers(&[(201, "the secret to bind", Some(typed::<mfa::BindingAnswer>))]);
    confirm_totp_binding => mfa::confirm_totp_binding::handle, data_key: true, routes: [POST "/v1/mfa/totp/confirm"],
        doc: Doc::takes(body::<mfa::confirm_totp_binding::ConfirmBody>, &[(201, "bound, with the recovery codes (shown once)", Some(typed::<crate::answers::TotpBound>))]);
    unbind_totp => mfa::unbind_totp::handle, data_key: true, routes: [POST "/v1/mfa/totp/unbind"],
        doc: Doc::takes(body::<mfa::unbind_totp::UnbindBody>, &[(200, "unbound", Some(typed::<crate::answers::TotpUnbound>))]);
    regenerate_recovery_codes => mfa::regenerate_recovery_codes::handle, data_key: false,
        routes: [POST "/v1/mfa/recovery-codes"],
        doc: Doc::answers(&[(201, "new recovery codes (shown once)", Some(typed::<crate::answers::RecoveryCodes>))]);
    start_face_verification => kyc::start_face::handle, data_key: true,
        routes: [POST "/v1/verifications/personal/face"],
        doc: Doc {
            request: Some(body::<kyc::PersonBody>),
            query: &[],
            example: Some(|| {
                json!({ "document_type": "mainland_id_card", "name": "张三", "id_number": "11010519491231002X",
                    "agreement": { "id": "real-name-verification-agreement", "version": "2024-06" } })
            }),
            success: &[(201, "the face session", Some(typed::<crate::answers::FaceStarted>))],
        };
    face_verification_status => kyc::face_status::handle, data_key: false,
        routes: [GET "/v1/verifications/personal/face/{verification_id}"],
        doc: Doc::answers(&[(200, "the face session's state", Some(typed::<kyc::face_status::FaceStatusAnswer>))]);
    face_result_callback => kyc::face_result::handle, data_key: true, routes: [POST "/v1/callbacks/face"],
        doc: Doc::takes(body::<shared::usecases::face_result::FaceCallback>, NO_CONTENT);
    verify_bank_card => kyc::verify_bank_card::handle, data_key: true,
        routes: [POST "/v1/verifications/personal/bank-card"],
        doc: Doc::takes(body::<kyc::verify_bank_card::BankCardBody>, &[(201, "verified", Some(typed::<crate::answers::BankCardPassed>))]);
    send_student_code => kyc::send_student_code::handle, data_key: true,
        routes: [POST "/v1/verifications/student/email-codes"],
        doc: Doc {
            request: Some(body::<kyc::send_student_code::EmailBody>),
            query: &[],
            example: Some(|| json!({ "email": "li@pku.edu.cn" })),
            success: CODE_SENT,
        };
    verify_student => kyc::verify_student::handle, data_key: true, routes: [POST "/v1/verifications/student"],
        doc: Doc::takes(body::<kyc::verify_student::StudentBody>, &[(201, "verified as a student", Some(typed::<crate::answers::StudentVerified>))]);
    issue_qr_login => qr::issue_ticket::handle, data_key: false, routes: [POST "/v1/qr-logins"],
        doc: Doc::answers(&[(201, "the ticket", Some(typed::<crate::answers::TicketIssued>))]);
    poll_qr_login => qr::poll_ticket::handle, data_key: false, routes: [POST "/v1/qr-logins/{ticket_id}/poll"],
        doc: Doc::takes(body::<qr::poll_ticket::PollBody>, &[
                (200, "the ticket's state", Some(typed::<qr::poll_ticket::StateAnswer>)),
                (201, "confirmed: the desktop's session", Some(typed::<qr::poll_ticket::ConsumedAnswer>)),
                (202, "confirmed; a second factor is required", Some(typed::<sessions::Pending>)),
            ]);
    scan_qr_login => qr::app_steps::scan, data_key: false, routes: [POST "/v1/qr-logins/{ticket_id}/scan"],
        doc: Doc::answers(&[(200, "scanned", Some(typed::<crate::answers::AppStepped>))]);
    confirm_qr_login => qr::app_steps::confirm, data_key: false, routes: [POST "/v1/qr-logins/{ticket_id}/confirm"],
        doc: Doc::answers(&[(200, "confirmed", Some(typed::<crate::answers::AppStepped>))]);
    reject_qr_login => qr::app_steps::reject, data_key: false, routes: [POST "/v1/qr-logins/{ticket_id}/reject"],
        doc: Doc::answers(&[(200, "rejected", Some(typed::<crate::answers::AppStepped>))]);
    update_profile => contact::update_profile::handle, data_key: false, routes: [PUT "/v1/accounts/me/profile"],
        doc: Doc {
            request: Some(body::<contact::update_profile::ProfileBody>),
            query: &[],
            example: Some(|| json!({ "display_name": "Alice", "company": "Example Ltd" })),
            success: &[(200, "the profile", Some(typed::<shared::domain::account::Profile>))],
        };
    set_notifications => contact::set_notifications::handle, data_key: false,
        routes: [PUT "/v1/accounts/me/notifications"],
        doc: Doc::takes(body::<contact::set_notifications::NotificationsBody>, &[(200, "the SMS notifications per product", Some(typed::<crate::answers::SmsNotifications>))]);
    start_phone_change => contact::change_phone::start, data_key: true, routes: [POST "/v1/accounts/me/phone-changes"],
        doc: Doc::answers(&[(201, "a code was sent to the old phone", Some(typed::<crate::answers::PhoneChangeStep>))]);
    verify_old_phone => contact::change_phone::old_phone, data_key: true,
        routes: [POST "/v1/accounts/me/phone-changes/{change_id}/old-phone"],
        doc: Doc::takes(body::<contact::change_phone::OldPhoneBody>, &[(200, "a code was sent to the new phone", Some(typed::<crate::answers::PhoneChangeStep>))]);
    verify_new_phone => contact::change_phone::new_phone, data_key: false,
        routes: [POST "/v1/accounts/me/phone-changes/{change_id}/new-phone"],
        doc: Doc::takes(body::<contact::change_phone::NewPhoneBody>, &[(200, "the phone was changed", Some(typed::<crate::answers::PhoneChanged>))]);
    send_email_bind_code => contact::send_email_code::handle, data_key: true,
        routes: [POST "/v1/accounts/me/email-codes"],
        doc: Doc::takes(body::<contact::send_email_code::EmailBody>, CODE_SENT);
    bind_email => contact::bind_email::handle, data_key: true, routes: [PUT "/v1/accounts/me/email"],
        doc: Doc::takes(body::<contact::bind_email::BindBody>, &[(200, "the email was bound", Some(typed::<crate::answers::EmailBound>))]);
    sms_sign_in => sessions::sms_sign_in::handle, data_key: true, routes: [POST "/v1/sessions/sms"],
        doc: Doc::takes(body::<sessions::sms_sign_in::SmsSignInBody>, SIGNED_IN);
    activate_account => accounts::activate::handle, data_key: false, routes: [POST "/v1/accounts/me/activation"],
        doc: Doc {
            request: Some(body::<accounts::activate::ActivationBody>),
            query: &[],
            example: Some(|| json!({ "agreements": agreements_example() })),
            success: &[(200, "activated", Some(typed::<crate::answers::Activated>))],
        };
    issue_captcha => recovery::issue_captcha::handle, data_key: true, routes: [POST "/v1/captchas"],
        doc: Doc::answers(&[(201, "the captcha", Some(typed::<crate::answers::CaptchaAnswer>))]);
    start_password_reset => recovery::password_reset::start, data_key: true, routes: [POST "/v1/password-resets"],
        doc: Doc::takes(body::<recovery::password_reset::StartBody>, &[(202, "a code was sent if the account exists", Some(typed::<crate::answers::ResetStarted>))]);
    complete_password_reset => recovery::password_reset::complete, data_key: false,
        routes: [POST "/v1/password-resets/{reset_id}/complete"],
        doc: Doc::takes(body::<recovery::password_reset::CompleteBody>, &[(200, "the password was reset", Some(typed::<crate::answers::ResetDone>))]);
    start_account_lookup => recovery::account_lookup::start, data_key: true, routes: [POST "/v1/account-lookups"],
        doc: Doc::takes(body::<recovery::account_lookup::Described>, &[(202, "codes were sent if accounts match", Some(typed::<crate::answers::LookupStarted>))]);
    verify_account_lookup => recovery::account_lookup::verify, data_key: false,
        routes: [POST "/v1/account-lookups/{lookup_id}/verify"],
        doc: Doc::takes(body::<recovery::account_lookup::VerifyBody>, &[(200, "the matching accounts", Some(typed::<crate::answers::LookupAccounts>))]);
    start_upload => cases::start_upload::handle, data_key: false, routes: [POST "/v1/uploads"],
        doc: Doc {
            request: Some(body::<cases::start_upload::UploadBody>),
            query: &[],
            example: Some(|| json!({ "purpose": "held-id-photo", "content_type": "image/jpeg", "size": 123_456 })),
            success: &[(201, "a presigned upload", Some(typed::<crate::answers::UploadStarted>))],
        };
    download_template => cases::templates::handle, data_key: false, routes: [GET "/v1/templates/{template}"],
        doc: Doc::answers(&[(200, "the template (text)", Some(plain_text))]);
    appeal_mfa_unbind => cases::appeals::mfa_unbind, data_key: false, routes: [POST "/v1/appeals/mfa-unbind"],
        doc: Doc::takes(body::<cases::appeals::MfaUnbindBody>, &[(201, "the case", Some(typed::<cases::CaseAnswer>))]);
    appeal_phone_rebind => cases::appeals::phone_rebind, data_key: true, routes: [POST "/v1/appeals/phone-rebind"],
        doc: Doc::takes(body::<cases::appeals::PhoneRebindBody>, &[(201, "the case", Some(typed::<cases::CaseAnswer>))]);
    open_identity_case => cases::identity_case::handle, data_key: true,
        routes: [POST "/v1/verifications/personal/support-cases"],
        doc: Doc::takes(body::<cases::identity_case::IdentityCaseBody>, &[(201, "the case", Some(typed::<cases::CaseAnswer>))]);
    open_signed_out_appeal => cases::signed_out::open, data_key: true, routes: [POST "/v1/signed-out-appeals"],
        doc: Doc::takes(body::<cases::signed_out::OpenBody>, &[(201, "the appeal, its secret shown once", Some(typed::<cases::signed_out::OpenedAnswer>))]);
    start_appeal_upload => cases::signed_out::upload, data_key: false,
        routes: [POST "/v1/signed-out-appeals/{appeal_id}/uploads"],
        doc: Doc {
            request: Some(body::<cases::start_upload::UploadBody>),
            query: &[],
            example: Some(|| json!({ "purpose": "id-card-front", "content_type": "image/jpeg", "size": 123_456 })),
            success: &[(201, "a presigned upload", Some(typed::<crate::answers::UploadStarted>))],
        };
    submit_signed_out_appeal => cases::signed_out::submit, data_key: true,
        routes: [POST "/v1/signed-out-appeals/{appeal_id}/submission"],
        doc: Doc::takes(body::<cases::signed_out::SubmitBody>, &[(200, "the appeal's progress", Some(typed::<cases::signed_out::ProgressAnswer>))]);
    read_signed_out_appeal => cases::signed_out::read, data_key: false,
        routes: [GET "/v1/signed-out-appeals/{appeal_id}"],
        doc: Doc::answers(&[(200, "the appeal's progress", Some(typed::<cases::signed_out::ProgressAnswer>))]);
    list_cases => cases::list::handle, data_key: false, routes: [GET "/v1/cases"],
        doc: Doc::answers(&[(200, "the account's cases", Some(typed::<cases::CasesAnswer>))]);
    send_case_material => cases::resubmit::handle, data_key: false, routes: [POST "/v1/cases/{case_id}/material"],
        doc: Doc::takes(body::<cases::MaterialBody>, &[(200, "the case, waiting for a reviewer again", Some(typed::<cases::CaseAnswer>))]);
    send_appeal_material => cases::signed_out::resubmit, data_key: false,
        routes: [POST "/v1/signed-out-appeals/{appeal_id}/material"],
        doc: Doc::takes(body::<cases::MaterialBody>, &[(200, "the appeal's progress", Some(typed::<cases::signed_out::ProgressAnswer>))]);
    withdraw_case => cases::withdraw::handle, data_key: false, routes: [POST "/v1/cases/{case_id}/withdrawal"],
        doc: Doc::answers(&[(200, "withdrawn", Some(typed::<cases::CaseAnswer>))]);
    staff_sign_in => review::staff_sign_in::password, data_key: false, routes: [POST "/v1/staff/sessions"],
        doc: Doc::takes(body::<review::staff_sign_in::StaffPasswordBody>, &[(200, "the next step: the virtual MFA code, or a first sign-in's new password", Some(typed::<crate::answers::StaffChallenge>))]);
    staff_second_factor => review::staff_sign_in::second_factor, data_key: false,
        routes: [POST "/v1/staff/sessions/second-factor"],
        doc: Doc::takes(body::<review::staff_sign_in::StaffCodeBody>, &[(200, "the staff access token", Some(typed::<crate::answers::StaffTokensAnswer>))]);
    staff_new_password => review::staff_sign_in::new_password, data_key: false,
        routes: [POST "/v1/staff/sessions/new-password"],
        doc: Doc::takes(body::<review::staff_sign_in::StaffNewPasswordBody>, &[(200, "the next step: the authenticator's set-up", Some(typed::<crate::answers::StaffChallenge>))]);
    staff_mfa_setup => review::staff_sign_in::mfa_setup, data_key: false,
        routes: [POST "/v1/staff/sessions/mfa-setup"],
        doc: Doc::takes(body::<review::staff_sign_in::StaffCodeBody>, &[(200, "the staff access token", Some(typed::<crate::answers::StaffTokensAnswer>))]);
    review_queue => review::queue::handle, data_key: false, routes: [GET "/v1/review/queue"],
        doc: Doc::answers(&[(200, "the queue", Some(typed::<review::queue::QueueAnswer>))]).with_query(review::queue::FILTERS);
    claim_case => review::claim::handle, data_key: true, routes: [POST "/v1/review/claims"],
        doc: Doc::answers(&[(200, "the claimed case", Some(typed::<review::claim::ClaimAnswer>)), (204, "nothing waits", None)]);
    claim_picked_case => review::claim::picked, data_key: true, routes: [POST "/v1/review/cases/{case_id}/claim"],
        doc: Doc::answers(&[(200, "the claimed case", Some(typed::<review::claim::ClaimAnswer>))]);
    extend_lease => review::lease::extend, data_key: false, routes: [PUT "/v1/review/cases/{case_id}/lease"],
        doc: Doc::takes(body::<review::lease::ClaimBody>, &[(200, "the lease was extended", Some(typed::<crate::answers::Lease>))]);
    release_case => review::lease::give_back, data_key: false, routes: [DELETE "/v1/review/cases/{case_id}/lease"],
        doc: Doc::takes(body::<review::lease::ClaimBody>, &[(204, "the case is back on the queue", None)]);
    read_review_case => review::read_case::handle, data_key: true, routes: [GET "/v1/review/cases/{case_id}"],
        doc: Doc::answers(&[(200, "the case", Some(typed::<review::StaffCaseAnswer>))]);
    decide_case => review::decide::handle, data_key: true, routes: [POST "/v1/review/cases/{case_id}/decision"],
        doc: Doc {
            request: Some(body::<review::decide::DecisionBody>),
            query: &[],
            example: Some(
                || json!({ "claim_token": "...", "decision": "reject", "reason": "the ID photo is not held by the person" }),
            ),
            success: &[(200, "decided", Some(typed::<review::StaffCaseAnswer>))],
        };
    case_audit_trail => review::audit_trail::handle, data_key: false, routes: [GET "/v1/review/cases/{case_id}/audit"],
        doc: Doc::answers(&[(200, "the audit trail", Some(typed::<crate::answers::AuditTrail>))]);
    lead_release_claim => review::lead::release, data_key: false, routes: [POST "/v1/review/cases/{case_id}/release"],
        doc: Doc::answers(&[(200, "the case, waiting again", Some(typed::<review::StaffCaseAnswer>))]);
    review_figures => review::lead::figures_of_review, data_key: false, routes: [GET "/v1/review/figures"],
        doc: Doc::answers(&[(200, "the figures per kind", Some(typed::<review::lead::FiguresAnswer>))]);
    review_dashboard => dashboard::handle, data_key: false, routes: [GET "/review", GET "/review/{file+}"];
    console_page => dashboard::console, data_key: false, routes: [GET "/console", GET "/console/{file+}"];
    enterprise_overview => enterprise::overview::handle, data_key: true, routes: [GET "/v1/enterprise"],
        doc: Doc::answers(&[(
                200,
                "types, rules, methods, banks, applications",
                Some(typed::<enterprise::overview::OverviewAnswer>),
            )]);
    start_enterprise_application => enterprise::start::handle, data_key: true,
        routes: [POST "/v1/enterprise/applications"],
        doc: Doc::takes(body::<enterprise::start::ApplicationBody>, &[(201, "the application (with its face session)", Some(typed::<enterprise::ApplicationAnswer>))]);
    read_enterprise_application => enterprise::read::handle, data_key: true,
        routes: [GET "/v1/enterprise/applications/{application_id}"],
        doc: Doc::answers(&[(200, "the application", Some(typed::<enterprise::ApplicationAnswer>))]);
    refresh_enterprise_face => enterprise::refresh_face::handle, data_key: true,
        routes: [POST "/v1/enterprise/applications/{application_id}/face"],
        doc: Doc::answers(&[(201, "a new face session", Some(typed::<enterprise::FaceAnswer>))]);
    enter_deposit_amount => enterprise::amount::handle, data_key: true,
        routes: [POST "/v1/enterprise/applications/{application_id}/amount"],
        doc: Doc::takes(body::<enterprise::amount::AmountBody>, &[(200, "verified, or sent to review", Some(typed::<enterprise::amount::AmountAnswer>))]);
    withdraw_enterprise_application => enterprise::withdraw::handle, data_key: false,
        routes: [POST "/v1/enterprise/applications/{application_id}/withdrawal"],
        doc: Doc::answers(&[(200, "the application, withdrawn", Some(typed::<enterprise::ApplicationAnswer>))]);
    payout_callback => enterprise::callbacks::payout, data_key: false, routes: [POST "/v1/callbacks/payouts"],
        doc: Doc::takes(body::<shared::ports::PayoutCallback>, &[(200, "taken (applied: false for a repeat)", Some(typed::<crate::answers::Applied>))]);
    inbound_transfer_callback => enterprise::callbacks::inbound, data_key: true,
        routes: [POST "/v1/callbacks/inbound-transfers"],
        doc: Doc::takes(body::<shared::ports::InboundTransfer>, &[(200, "credited (applied: false for a repeat)", Some(typed::<crate::answers::Applied>))]);
    list_subject_changes => changes::list::handle, data_key: false, routes: [GET "/v1/subject-changes"],
        doc: Doc::answers(&[(200, "the changes, newest first", Some(typed::<changes::ChangesAnswer>))]);
    start_subject_change => changes::start::handle, data_key: true, routes: [POST "/v1/subject-changes"],
        doc: Doc::takes(body::<changes::start::StartChangeBody>, &[(201, "the change (a confirmed name change completed)", Some(typed::<changes::ChangeAnswer>))]);
    prove_change_owner => changes::owner_proof::handle, data_key: true,
        routes: [POST "/v1/subject-changes/{change_id}/owner-proof"],
        doc: Doc::takes(body::<changes::ProofBody>, &[(200, "passed, or a face session to scan", Some(typed::<changes::ProofAnswer>))]);
    submit_change_subject => changes::new_subject::handle, data_key: true,
        routes: [POST "/v1/subject-changes/{change_id}/new-subject"],
        doc: Doc::takes(body::<changes::new_subject::NewSubjectBody>, &[(
                200,
                "passed, a face session to scan, or in review",
                Some(typed::<changes::new_subject::SubmitAnswer>),
            )]);
    withdraw_subject_change => changes::withdraw::handle, data_key: false,
        routes: [POST "/v1/subject-changes/{change_id}/withdrawal"],
        doc: Doc::answers(NO_CONTENT);
    check_account_deletion => deletion::check::handle, data_key: false, routes: [POST "/v1/account-deletions"],
        doc: Doc {
            request: Some(body::<deletion::check::CheckBody>),
            query: &[],
            example: Some(|| json!({ "agreements": [{ "id": "account-deletion-agreement", "version": "2024-06" }] })),
            success: &[(
                200,
                "each condition; with a confirmation when nothing blocks",
                Some(typed::<deletion::check::CheckAnswer>),
            )],
        };
    confirm_account_deletion => deletion::confirm::handle, data_key: false,
        routes: [POST "/v1/account-deletions/{deletion_id}/confirmation"],
        doc: Doc::takes(body::<deletion::confirm::ConfirmBody>, &[(200, "the account is deleted", Some(typed::<crate::answers::Deleted>))]);
    start_third_party_sign_in => third_party::authorize::sign_in, data_key: false,
        routes: [POST "/v1/oauth/{provider}/authorizations"],
        doc: Doc::answers(&[(
                201,
                "the provider's consent URL and this browser's secret",
                Some(typed::<crate::answers::AuthorizationStarted>),
            )]);
    third_party_sign_in => third_party::callback::sign_in, data_key: false,
        routes: [POST "/v1/oauth/{provider}/callback"],
        doc: Doc {
            request: Some(body::<third_party::CallbackBody>),
            query: &[],
            example: Some(callback_example),
            success: SIGNED_IN,
        };
    start_third_party_binding => third_party::authorize::bind, data_key: false,
        routes: [POST "/v1/security/third-party/{provider}/authorizations"],
        doc: Doc::answers(&[(
                201,
                "the provider's consent URL and this browser's secret",
                Some(typed::<crate::answers::AuthorizationStarted>),
            )]);
    bind_third_party => third_party::callback::bind, data_key: false, routes: [POST "/v1/security/third-party/{provider}"],
        doc: Doc {
            request: Some(body::<third_party::CallbackBody>),
            query: &[],
            example: Some(callback_example),
            success: &[(201, "bound", Some(typed::<crate::answers::ThirdPartyBinding>))],
        };
    unbind_third_party => third_party::bindings::unbind, data_key: false,
        routes: [DELETE "/v1/security/third-party/{provider}"],
        doc: Doc::answers(NO_CONTENT);
    list_third_party => third_party::bindings::list, data_key: false, routes: [GET "/v1/security/third-party"],
        doc: Doc::answers(&[(
                200,
                "the bound third-party accounts (masked) and the providers offered",
                Some(typed::<crate::answers::ThirdPartyBindings>),
            )]);
    create_sub_user => sub_users::manage::create, data_key: false, routes: [POST "/v1/sub-users"],
        doc: Doc {
            request: Some(body::<sub_users::manage::NewSubUserBody>),
            query: &[],
            example: Some(|| json!({ "username": "ops-li", "password": "Quiet-Lantern-73", "console_access": true })),
            success: &[(201, "the sub-user", Some(typed::<sub_users::SubUserAnswer>))],
        };
    list_sub_users => sub_users::manage::list, data_key: false, routes: [GET "/v1/sub-users"],
        doc: Doc::answers(&[(200, "the sub-users and their settings", Some(typed::<sub_users::SubUsersAnswer>))]);
    set_sub_user_settings => sub_users::manage::settings, data_key: false, routes: [PUT "/v1/sub-users/settings"],
        doc: Doc {
            request: Some(body::<sub_users::manage::SettingsBody>),
            query: &[],
            example: Some(|| json!({ "require_mfa": true, "alias": "acme-ops" })),
            success: &[(200, "the settings", Some(typed::<sub_users::SettingsAnswer>))],
        };
    set_sub_user_status => sub_users::manage::status, data_key: false,
        routes: [PUT "/v1/sub-users/{sub_user_id}/status"],
        doc: Doc::takes(body::<sub_users::manage::StatusBody>, NO_CONTENT);
    reset_sub_user_password => sub_users::manage::password, data_key: false,
        routes: [PUT "/v1/sub-users/{sub_user_id}/password"],
        doc: Doc::takes(body::<sub_users::manage::PasswordBody>, NO_CONTENT);
    remove_sub_user_mfa_device => sub_users::manage::remove_mfa_device, data_key: false,
        routes: [DELETE "/v1/sub-users/{sub_user_id}/mfa-device"],
        doc: Doc::answers(NO_CONTENT);
    delete_sub_user => sub_users::manage::delete, data_key: false, routes: [DELETE "/v1/sub-users/{sub_user_id}"],
        doc: Doc::answers(NO_CONTENT);
    sub_user_sign_in => sub_users::sign_in::sign_in, data_key: false, routes: [POST "/v1/sub-user-sessions"],
        doc: Doc::takes(body::<sub_users::sign_in::SubUserSignInBody>, &[
                (201, "signed in: the session", Some(typed::<sessions::SessionAnswer>)),
                (202, "a second factor, or binding a virtual MFA device, is required", Some(typed::<sessions::Pending>)),
            ]);
    start_sign_in_totp_binding => sub_users::sign_in::start_binding, data_key: true,
        routes: [POST "/v1/sessions/second-factor/totp-binding"],
        doc: Doc::takes(body::<sub_users::sign_in::StartBindingBody>, &[(201, "the secret to bind", Some(typed::<mfa::BindingAnswer>))]);
    confirm_sign_in_totp_binding => sub_users::sign_in::confirm_binding, data_key: true,
        routes: [POST "/v1/sessions/second-factor/totp-binding/confirmation"],
        doc: Doc::takes(body::<sub_users::sign_in::ConfirmBindingBody>, &[(
                201,
                "signed in, with the recovery codes (shown once)",
                Some(typed::<sub_users::sign_in::SessionWithCodes>),
            )]);
}

/// The secret groups a function reads at cold start [issue 14], from the ports its use cases take
/// (`HasFace`: the face provider's group, ...) and what it does with the keys: the token key
/// signs sessions (the sign-in steps that end in a session; the authorizer verifies them with the
/// public keys of its configuration and reads no secret); the
/// hash pepper keys the look-ups of personal data, codes, throttles and flows (every function
/// that hashes: all but those listed without it). A function run without a group it needs fails
/// in the tests, which run each function with exactly its groups (the local gateway).
pub const fn secret_needs(binary: &str) -> SecretSet {
    const fn any(binary: &str, list: &[&str]) -> bool {
        let mut i = 0;
        while i < list.len() {
            if same_text(binary, list[i]) {
                return true;
            }
            i += 1;
        }
        false
    }
    const WITHOUT_PEPPER: &[&str] = &[
        AUTHORIZER,
        "sweep_deadlines",
        "not_found",
        "read_account",
        "sign_out",
        "list_sessions",
        "revoke_session",
        "review_dashboard",
        "console_page",
        "download_template",
        "read_agreements",
        "list_passkeys",
        "rename_passkey",
        "remove_passkey",
        "begin_passkey_step_up",
        "begin_passkey_second_factor",
    ];
    const BY_GROUP: &[(SecretGroup, &[&str])] = &[
        (
            TOKEN_KEYS,
            &[
                "sign_in",
                "complete_sign_in",
                "sms_sign_in",
                "poll_qr_login",
                "third_party_sign_in",
                "sub_user_sign_in",
                "confirm_sign_in_totp_binding",
                "finish_passkey_sign_in",
                "finish_passkey_second_factor",
            ],
        ),
        (MESSAGING, &["deliver_messages"]),
        (FACE_CALLBACK, &["face_result_callback"]),
        (
            FACE,
            &[
                "start_face_verification",
                "start_enterprise_application",
                "refresh_enterprise_face",
                "prove_change_owner",
                "submit_change_subject",
            ],
        ),
        (BANK_CARD, &["verify_bank_card", "prove_change_owner", "submit_change_subject"]),
        (
            RESOURCES,
            &["resolve_recoveries", "start_subject_change", "check_account_deletion", "confirm_account_deletion"],
        ),
        // Enterprise verification's parties, each read only where its client is reached.
        (REGISTRY, &["start_enterprise_application", "start_subject_change"]),
        (PAYOUT, &["face_result_callback", "expire_flows"]),
        (PAYOUT_CALLBACK, &["payout_callback"]),
        (RISK, &["enter_deposit_amount"]),
        (BANK_NOTIFY, &["inbound_transfer_callback"]),
        (OAUTH, &["start_third_party_sign_in", "third_party_sign_in", "start_third_party_binding", "bind_third_party"]),
    ];
    let mut set = if any(binary, WITHOUT_PEPPER) { SecretSet::NONE } else { SecretSet::NONE.with(HASH_PEPPER) };
    let mut i = 0;
    while i < BY_GROUP.len() {
        if any(binary, BY_GROUP[i].1) {
            set = set.with(BY_GROUP[i].0);
        }
        i += 1;
    }
    set
}

/// What the authorizer Lambda runs for an event.
pub type AuthorizerFn = for<'a> fn(
    &'a AppState,
    &'a aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request,
) -> BoxFuture<'a, Result<authorizer::Decision, shared::Error>>;

/// Whether `(method, path)` is a route of a page ([`crate::api_doc::PAGES`]), not of the JSON API.
pub fn is_page_route(method: &str, path: &str) -> bool {
    LAMBDAS
        .iter()
        .filter(|l| crate::api_doc::PAGES.contains(&l.binary))
        .any(|l| l.routes.iter().any(|(m, p)| *m == method && *p == path))
}

/// A Lambda's row by binary name (the local gateway and the tests).
pub fn lambda_named(binary: &str) -> Option<&'static Lambda> {
    LAMBDAS.iter().find(|l| l.binary == binary)
}

/// A bin's row, found at compile time (`const`): a bin without a row, or naming another handler
/// than its row, or of the other kind, does not compile.
#[allow(clippy::panic, reason = "evaluated at compile time: a panic here is a compile error in the bin")]
pub const fn lambda(binary: &str, handler: &str, authorizer: bool) -> &'static Lambda {
    let mut i = 0;
    while i < LAMBDAS.len() {
        let row = &LAMBDAS[i];
        if same_text(row.binary, binary) {
            if !same_handler(handler, row.handler) {
                panic!("this bin names another handler than its row in the lambdas! table (functions/src/registry.rs)");
            }
            if row.authorizer != authorizer {
                panic!("this bin runs its row as the wrong kind of Lambda: see functions/src/registry.rs");
            }
            return row;
        }
        i += 1;
    }
    panic!("this bin has no row in the lambdas! table (functions/src/registry.rs)")
}

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether a bin's handler path (`functions::sessions::sign_in::handle`) is the row's
/// (`sessions::sign_in::handle`), spaces aside.
pub const fn same_handler(bin_path: &str, row_path: &str) -> bool {
    let (bin, row) = (bin_path.as_bytes(), row_path.as_bytes());
    let prefix = b"functions::";
    let (mut i, mut j, mut p) = (0, 0, 0);
    loop {
        while i < bin.len() && bin[i] == b' ' {
            i += 1;
        }
        if p < prefix.len() {
            if i == bin.len() || bin[i] != prefix[p] {
                return false;
            }
            i += 1;
            p += 1;
            continue;
        }
        while j < row.len() && row[j] == b' ' {
            j += 1;
        }
        match (i == bin.len(), j == row.len()) {
            (true, true) => return true,
            (false, false) if bin[i] == row[j] => {
                i += 1;
                j += 1;
            }
            _ => return false,
        }
    }
}

/// Wraps a handler (any `async fn(&AppState, <extractors>...) -> ApiResult`) as an
/// [`HttpHandler`].
#[macro_export]
macro_rules! http_handler {
    ($handler:path) => {{
        fn call(
            state: &$crate::AppState,
            req: $crate::registry::Request,
        ) -> $crate::registry::BoxFuture<'_, $crate::registry::HttpResponse> {
            $crate::extract::Handler::call($handler, state, req)
        }
        call as $crate::registry::HttpHandler
    }};
}

/// Wraps a worker's `async fn(&AppState, SqsEvent) -> SqsBatchResponse` as a [`WorkerHandler`].
#[macro_export]
macro_rules! worker_handler {
    ($handler:path) => {{
        fn call(
            state: &$crate::AppState,
            event: $crate::registry::SqsEvent,
        ) -> $crate::registry::BoxFuture<'_, $crate::registry::SqsBatchResponse> {
            Box::pin($handler(state, event))
        }
        call as $crate::registry::WorkerHandler
    }};
}

/// Wraps a scheduled worker's `async fn(&AppState, serde_json::Value) -> Result<(), Error>`.
#[macro_export]
macro_rules! schedule_handler {
    ($handler:path) => {{
        fn call(
            state: &$crate::AppState,
            event: $crate::registry::JsonValue,
        ) -> $crate::registry::BoxFuture<'_, Result<(), $crate::registry::Error>> {
            Box::pin($handler(state, event))
        }
        call as $crate::registry::ScheduleHandler
    }};
}

/// Wraps the authorizer's `decide` as an [`AuthorizerFn`].
#[macro_export]
macro_rules! authorizer_fn {
    ($decide:path) => {{
        fn call<'a>(
            state: &'a $crate::AppState,
            event: &'a $crate::registry::AuthorizerEvent,
        ) -> $crate::registry::BoxFuture<'a, Result<$crate::authorizer::Decision, $crate::registry::Error>> {
            Box::pin($decide(state, event))
        }
        call as $crate::registry::AuthorizerFn
    }};
}

// The types the macros above name in the bins (which depend on this crate only).
#[doc(hidden)]
pub use aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request as AuthorizerEvent;
pub use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
#[doc(hidden)]
pub use serde_json::Value as JsonValue;
#[doc(hidden)]
pub use shared::Error;
#[doc(hidden)]
pub type HttpResponse = Response<Body>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bin_names_its_rows_handler() {
        assert!(same_handler("functions::sessions::sign_in::handle", "sessions::sign_in::handle"));
        assert!(same_handler("functions :: sessions :: sign_in :: handle", "sessions :: sign_in :: handle"));
        assert!(!same_handler("functions::sessions::sign_out::handle", "sessions::sign_in::handle"));
        assert!(!same_handler("sessions::sign_in::handle", "sessions::sign_in::handle"));
        assert!(!same_handler("functions::sessions::sign_in::handle2", "sessions::sign_in::handle"));
        assert_eq!(
            lambda("sign_in", "functions::sessions::sign_in::handle", false).needs,
            Needs { data_key: false, secrets: SecretSet::of(&[TOKEN_KEYS, HASH_PEPPER]) }
        );
        assert!(lambda(AUTHORIZER, "functions::authorizer::decide", true).authorizer);
    }

    #[test]
    fn every_http_row_has_its_handler_and_binaries_are_unique() {
        for b in HTTP_BINARIES {
            assert!(http_handler(b).is_some(), "{b}");
            assert_eq!(LAMBDAS.iter().filter(|l| l.binary == *b).count(), 1, "{b} twice");
        }
        let workers = LAMBDAS.iter().filter(|l| l.queue.is_some() || l.schedule.is_some()).count();
        assert_eq!(HTTP_BINARIES.len() + 1 + workers, LAMBDAS.len());
        assert!(http_handler(AUTHORIZER).is_none());
    }

    #[test]
    fn every_http_lambda_with_a_route_is_described_but_the_pages() {
        for l in LAMBDAS.iter().filter(|l| !l.routes.is_empty()) {
            let page = crate::api_doc::PAGES.contains(&l.binary);
            assert_eq!(
                doc(l.binary).is_some(),
                !page,
                "{}: a route of the API has a `doc` in its row, a page none",
                l.binary
            );
        }
    }

    #[test]
    fn secret_needs_name_real_functions_and_the_token_keys_stay_with_sign_in() {
        let authorizer = lambda_named(AUTHORIZER).unwrap().needs.secrets;
        assert_eq!(authorizer, SecretSet::NONE, "the authorizer verifies with public keys and reads no secret");
        assert_eq!(lambda_named("deliver_messages").unwrap().needs.secrets, SecretSet::of(&[HASH_PEPPER, MESSAGING]));
        let with_tokens = LAMBDAS.iter().filter(|l| l.needs.secrets.contains(TOKEN_KEYS)).count();
        assert_eq!(with_tokens, 9, "only the sign-in steps that issue a token read the signing key");
    }
}
