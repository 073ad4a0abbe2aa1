//! Virtual MFA (TOTP) and its recovery codes [MFA-1, MFA-3, MFA-4, MFA-6].

pub mod confirm_totp_binding;
pub mod regenerate_recovery_codes;
pub mod start_totp_binding;
pub mod unbind_totp;
