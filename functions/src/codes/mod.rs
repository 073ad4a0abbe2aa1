//! Verification codes.

pub mod send_sms_code;

use shared::usecases::codes::CodeSent;

/// The answer to every code send: the request id to quote with the code, and the timing.
pub(crate) fn code_sent_body(sent: &CodeSent) -> crate::answers::CodeSent {
    crate::answers::CodeSent {
        challenge_id: sent.challenge_id.as_str().to_owned(),
        expires_at: sent.expires_at,
        resend_after_seconds: sent.resend_after_secs,
    }
}
