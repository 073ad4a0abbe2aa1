//! Virtual MFA (TOTP) and its recovery codes [MFA-1, MFA-3, MFA-4, MFA-6].

pub mod confirm_totp_binding;
pub mod regenerate_recovery_codes;
pub mod start_totp_binding;
pub mod unbind_totp;

use serde_json::{json, Value};
use shared::usecases::security::BindingStarted;

/// A started binding: the secret, the otpauth URI and the QR code (shown once).
pub(crate) fn binding_body(b: &BindingStarted) -> Value {
    json!({
        "binding_id": b.binding_id,
        "secret": b.secret_base32,
        "otpauth_uri": b.otpauth_uri,
        "qr_code": b.qr_code,
        "expires_at": b.expires_at.to_rfc3339(),
    })
}
