use crate::error::{Error, Result};
use crate::ports::SmsSender;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

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
#[derive(Debug, Default)]
pub struct SandboxSms {
    outbox: Mutex<Vec<SmsMessage>>,
    file: Option<PathBuf>,
}

impl SandboxSms {
    pub fn new(file: Option<PathBuf>) -> Self {
        SandboxSms { outbox: Mutex::new(Vec::new()), file }
    }

    /// Messages sent to `phone_e164` (or all), oldest first.
    pub fn messages(&self, phone_e164: Option<&str>) -> Vec<SmsMessage> {
        let outbox = self.outbox.lock().expect("outbox lock");
        outbox.iter().filter(|m| phone_e164.is_none_or(|p| m.to == p)).cloned().collect()
    }

    /// The 6-digit code in the newest message to `phone_e164`.
    pub fn latest_code(&self, phone_e164: &str) -> Option<String> {
        self.messages(Some(phone_e164)).last().and_then(|m| extract_code(&m.text))
    }
}

/// The first run of exactly six digits in a message.
pub fn extract_code(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() == 6).map(str::to_owned)
}

#[async_trait]
impl SmsSender for SandboxSms {
    async fn send(&self, phone_e164: &str, text: &str) -> Result<()> {
        let message = SmsMessage { to: phone_e164.into(), text: text.into(), sent_at: Utc::now() };
        if let Some(path) = &self.file {
            let line = serde_json::to_string(&message).map_err(|e| Error::internal("sandbox outbox encode", e))?;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| Error::internal("sandbox outbox open", e))?;
            writeln!(file, "{line}").map_err(|e| Error::internal("sandbox outbox write", e))?;
        }
        self.outbox.lock().expect("outbox lock").push(message);
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
