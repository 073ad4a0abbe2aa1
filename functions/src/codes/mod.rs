//! Verification codes.

pub mod send_sms_code;

use serde_json::{json, Value};
use shared::usecases::codes::CodeSent;

/// The answer to every code send: the request id to quote with the code, and the timing.
pub(crate) fn code_sent_body(sent: &CodeSent) -> Value {
    json!({
        "challenge_id": sent.challenge_id,
        "expires_at": sent.expires_at.to_rfc3339(),
        "resend_after_seconds": sent.resend_after_secs,
    })
}
