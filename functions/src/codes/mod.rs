//! Verification codes.

pub mod send_sms_code;
