//! The `$default` route: any path or method no other route takes gets a clear error.

use crate::api::{ApiError, ApiResult, METHOD_NOT_ALLOWED, ROUTE_NOT_FOUND};
use crate::AppState;
use http::{Method, Uri};

/// `(method, path)` pairs that exist, so a wrong method on a real path says so. Kept in step with
/// template.yaml by a test.
pub const KNOWN_ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/sms-codes"),
    ("POST", "/v1/accounts"),
    ("GET", "/v1/accounts/me"),
    ("PUT", "/v1/accounts/me/password"),
    ("POST", "/v1/sessions"),
    ("GET", "/v1/sessions"),
    ("DELETE", "/v1/sessions/current"),
    ("DELETE", "/v1/sessions/others"),
    ("DELETE", "/v1/sessions/{session_id}"),
    ("POST", "/v1/sessions/second-factor/sms-codes"),
    ("POST", "/v1/sessions/second-factor"),
    ("GET", "/v1/security"),
    ("PUT", "/v1/security/protection"),
    ("PUT", "/v1/security/session-settings"),
    ("POST", "/v1/step-up/sms-codes"),
    ("POST", "/v1/step-up"),
    ("POST", "/v1/mfa/totp"),
    ("POST", "/v1/mfa/totp/confirm"),
    ("POST", "/v1/mfa/totp/unbind"),
    ("POST", "/v1/mfa/recovery-codes"),
    ("POST", "/v1/verifications/personal/face"),
    ("GET", "/v1/verifications/personal/face/{verification_id}"),
    ("POST", "/v1/callbacks/face"),
    ("POST", "/v1/verifications/personal/bank-card"),
    ("POST", "/v1/verifications/student/email-codes"),
    ("POST", "/v1/verifications/student"),
    ("POST", "/v1/qr-logins"),
    ("POST", "/v1/qr-logins/{ticket_id}/poll"),
    ("POST", "/v1/qr-logins/{ticket_id}/scan"),
    ("POST", "/v1/qr-logins/{ticket_id}/confirm"),
    ("POST", "/v1/qr-logins/{ticket_id}/reject"),
    ("PUT", "/v1/accounts/me/profile"),
    ("POST", "/v1/captchas"),
    ("POST", "/v1/password-resets"),
    ("POST", "/v1/password-resets/{reset_id}/complete"),
    ("POST", "/v1/account-lookups"),
    ("POST", "/v1/account-lookups/{lookup_id}/verify"),
    ("POST", "/v1/sessions/sms"),
    ("POST", "/v1/accounts/me/activation"),
    ("PUT", "/v1/accounts/me/notifications"),
    ("POST", "/v1/accounts/me/phone-changes"),
    ("POST", "/v1/accounts/me/phone-changes/{change_id}/old-phone"),
    ("POST", "/v1/accounts/me/phone-changes/{change_id}/new-phone"),
    ("POST", "/v1/accounts/me/email-codes"),
    ("PUT", "/v1/accounts/me/email"),
];

pub async fn handle(_state: &AppState, method: Method, uri: Uri) -> ApiResult {
    let path = uri.path();
    Err(if KNOWN_ROUTES.iter().any(|(_, p)| route_matches(p, path)) {
        ApiError::edge(METHOD_NOT_ALLOWED, format!("{method} is not allowed on {path}"))
    } else {
        ApiError::edge(ROUTE_NOT_FOUND, "no such route")
    })
}

/// Whether a route template (`/v1/sessions/{session_id}`) covers a concrete path.
fn route_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.trim_end_matches('/').split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}
