//! Name -> handler: what each Lambda binary runs. The local gateway and the tests look handlers
//! up here by the `Binary` that template.yaml names, so they call exactly what the Lambdas run.

use crate::{accounts, codes, contact, fallback, kyc, mfa, qr, recovery, security, sessions, AppState};
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};

pub type HttpHandler = for<'a> fn(&'a AppState, Request) -> BoxFuture<'a, Response<Body>>;

/// The binary name of the authorizer function.
pub const AUTHORIZER: &str = "authorizer";

macro_rules! boxed {
    ($f:path) => {{
        fn call(state: &AppState, req: Request) -> BoxFuture<'_, Response<Body>> {
            Box::pin($f(state, req))
        }
        call as HttpHandler
    }};
}

pub fn http_handler(binary: &str) -> Option<HttpHandler> {
    Some(match binary {
        "send_sms_code" => boxed!(codes::send_sms_code::handle),
        "register_account" => boxed!(accounts::register_account::handle),
        "read_account" => boxed!(accounts::read_account::handle),
        "sign_in" => boxed!(sessions::sign_in::handle),
        "sign_out" => boxed!(sessions::sign_out::handle),
        "not_found" => boxed!(fallback::handle),
        "send_sign_in_code" => boxed!(sessions::send_sign_in_code::handle),
        "complete_sign_in" => boxed!(sessions::complete_sign_in::handle),
        "list_sessions" => boxed!(sessions::list_sessions::handle),
        "revoke_session" => boxed!(sessions::revoke_session::handle),
        "revoke_other_sessions" => boxed!(sessions::revoke_other_sessions::handle),
        "read_security" => boxed!(security::read_security::handle),
        "set_protection" => boxed!(security::set_protection::handle),
        "set_session_settings" => boxed!(security::set_session_settings::handle),
        "change_password" => boxed!(security::change_password::handle),
        "send_step_up_code" => boxed!(security::send_step_up_code::handle),
        "step_up" => boxed!(security::step_up::handle),
        "start_totp_binding" => boxed!(mfa::start_totp_binding::handle),
        "confirm_totp_binding" => boxed!(mfa::confirm_totp_binding::handle),
        "unbind_totp" => boxed!(mfa::unbind_totp::handle),
        "regenerate_recovery_codes" => boxed!(mfa::regenerate_recovery_codes::handle),
        "start_face_verification" => boxed!(kyc::start_face::handle),
        "face_verification_status" => boxed!(kyc::face_status::handle),
        "face_result_callback" => boxed!(kyc::face_result::handle),
        "verify_bank_card" => boxed!(kyc::verify_bank_card::handle),
        "send_student_code" => boxed!(kyc::send_student_code::handle),
        "verify_student" => boxed!(kyc::verify_student::handle),
        "issue_qr_login" => boxed!(qr::issue_ticket::handle),
        "poll_qr_login" => boxed!(qr::poll_ticket::handle),
        "scan_qr_login" => boxed!(qr::app_steps::scan),
        "confirm_qr_login" => boxed!(qr::app_steps::confirm),
        "reject_qr_login" => boxed!(qr::app_steps::reject),
        "sms_sign_in" => boxed!(sessions::sms_sign_in::handle),
        "activate_account" => boxed!(accounts::activate::handle),
        "issue_captcha" => boxed!(recovery::issue_captcha::handle),
        "start_password_reset" => boxed!(recovery::password_reset::start),
        "complete_password_reset" => boxed!(recovery::password_reset::complete),
        "start_account_lookup" => boxed!(recovery::account_lookup::start),
        "verify_account_lookup" => boxed!(recovery::account_lookup::verify),
        "update_profile" => boxed!(contact::update_profile::handle),
        "set_notifications" => boxed!(contact::set_notifications::handle),
        "start_phone_change" => boxed!(contact::change_phone::start),
        "verify_old_phone" => boxed!(contact::change_phone::old_phone),
        "verify_new_phone" => boxed!(contact::change_phone::new_phone),
        "send_email_bind_code" => boxed!(contact::send_email_code::handle),
        "bind_email" => boxed!(contact::bind_email::handle),
        _ => return None,
    })
}

/// Every HTTP handler's binary name.
pub const HTTP_BINARIES: &[&str] = &[
    "send_sms_code",
    "register_account",
    "read_account",
    "sign_in",
    "sign_out",
    "not_found",
    "send_sign_in_code",
    "complete_sign_in",
    "list_sessions",
    "revoke_session",
    "revoke_other_sessions",
    "read_security",
    "set_protection",
    "set_session_settings",
    "change_password",
    "send_step_up_code",
    "step_up",
    "start_totp_binding",
    "confirm_totp_binding",
    "unbind_totp",
    "regenerate_recovery_codes",
    "start_face_verification",
    "face_verification_status",
    "face_result_callback",
    "verify_bank_card",
    "send_student_code",
    "verify_student",
    "issue_qr_login",
    "poll_qr_login",
    "scan_qr_login",
    "confirm_qr_login",
    "reject_qr_login",
    "update_profile",
    "issue_captcha",
    "start_password_reset",
    "complete_password_reset",
    "start_account_lookup",
    "verify_account_lookup",
    "sms_sign_in",
    "activate_account",
    "set_notifications",
    "start_phone_change",
    "verify_old_phone",
    "verify_new_phone",
    "send_email_bind_code",
    "bind_email",
];
