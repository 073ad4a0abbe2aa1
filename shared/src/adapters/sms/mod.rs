//! SMS providers: the production HTTP adapter and the sandbox with a readable outbox.

mod http;
mod sandbox;

pub use http::HttpSms;
pub use sandbox::{SandboxSms, SmsMessage, TIMES_OUT_AFTER_SENDING};
