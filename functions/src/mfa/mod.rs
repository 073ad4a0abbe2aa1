//! Virtual MFA (TOTP) and its recovery codes [MFA-1, MFA-3, MFA-4, MFA-6].

pub mod confirm_totp_binding;
pub mod regenerate_recovery_codes;
pub mod start_totp_binding;
pub mod unbind_totp;

use shared::usecases::security::BindingStarted;

/// A started binding: the secret, the otpauth URI and the QR code (shown once).
pub(crate) fn binding_body(b: &BindingStarted) -> BindingAnswer {
    BindingAnswer {
        binding_id: b.binding_id.as_str().to_owned(),
        secret: b.secret_base32.expose().clone(),
        otpauth_uri: b.otpauth_uri.clone(),
        qr_code: b.qr_code.clone(),
        expires_at: b.expires_at,
    }
}

/// A started binding (shown once).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct BindingAnswer {
    binding_id: String,
    /// The TOTP secret, base32.
    secret: String,
    otpauth_uri: String,
    /// The otpauth URI as a QR code (SVG data URI).
    qr_code: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}
