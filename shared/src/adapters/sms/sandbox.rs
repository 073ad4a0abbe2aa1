use crate::adapters::outbox::{extract_code, Outbox};
use crate::error::Result;
use crate::ports::SmsSender;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::PathBuf;

/// A message the sandbox "sent".
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SmsMessage {
    pub to: String,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

/// The sandbox SMS provider: delivers nothing, keeps every message in an outbox that tests read
/// in-process and the local user reads from the gateway (`GET /sandbox/sms-outbox`) or from the
/// JSON-lines file it appends to. Refused in production by configuration.
///
/// A phone number ending `4444` times out the first send of each message *after* delivering it
/// (as a provider that acted and whose answer was lost): the outbox worker gives its claim back
/// and fails, the queue delivers the message again, and the phone gets it twice (at least once).
#[derive(Debug, Default)]
pub struct SandboxSms {
    outbox: Outbox<SmsMessage>,
    timed_out: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// The ending of the sandbox's phone numbers whose first send times out after delivering.
pub const TIMES_OUT_AFTER_SENDING: &str = "4444";

impl SandboxSms {
    pub fn new(file: Option<PathBuf>) -> Self {
        SandboxSms { outbox: Outbox::new(file), timed_out: Default::default() }
    }

    /// Messages sent to `phone_e164` (or all), oldest first.
    pub fn messages(&self, phone_e164: Option<&str>) -> Vec<SmsMessage> {
        self.outbox.all().into_iter().filter(|m| phone_e164.is_none_or(|p| m.to == p)).collect()
    }

    /// The 6-digit code in the newest message to `phone_e164`.
    pub fn latest_code(&self, phone_e164: &str) -> Option<String> {
        self.messages(Some(phone_e164)).last().and_then(|m| extract_code(&m.text))
    }
}

#[async_trait]
impl SmsSender for SandboxSms {
    async fn send(&self, phone_e164: &str, text: &str) -> Result<()> {
        self.outbox.push(SmsMessage { to: phone_e164.into(), text: text.into(), sent_at: Utc::now() })?;
        if phone_e164.ends_with(TIMES_OUT_AFTER_SENDING)
            && self
                .timed_out
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(format!("{phone_e164} {text}"))
        {
            return Err(crate::Error::ProviderUnavailable(
                "the sandbox SMS provider timed out after delivering".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_messages_per_phone() {
        let sms = SandboxSms::new(None);
        sms.send("+8613800000001", "Your code is 123456. It expires in 10 minutes.").await.unwrap();
        sms.send("+8613800000002", "Your code is 654321.").await.unwrap();
        assert_eq!(sms.latest_code("+8613800000001").as_deref(), Some("123456"));
        assert_eq!(sms.messages(None).len(), 2);
        assert_eq!(sms.latest_code("+8613800000003"), None);
    }
}
