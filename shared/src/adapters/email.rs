//! Email providers: the production HTTP adapter and the sandbox with a readable outbox.

use crate::adapters::http_json::{ApiKey, HttpJson};
use crate::adapters::outbox::{extract_code, Outbox};
use crate::error::Result;
use crate::ports::EmailSender;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EmailMessage {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

/// Delivers nothing; keeps every email (`GET /sandbox/email-outbox` locally).
#[derive(Debug, Default)]
pub struct SandboxEmail {
    outbox: Outbox<EmailMessage>,
}

impl SandboxEmail {
    pub fn new(file: Option<PathBuf>) -> Self {
        SandboxEmail { outbox: Outbox::new(file) }
    }

    pub fn messages(&self, to: Option<&str>) -> Vec<EmailMessage> {
        self.outbox.all().into_iter().filter(|m| to.is_none_or(|t| m.to.eq_ignore_ascii_case(t))).collect()
    }

    pub fn latest_code(&self, to: &str) -> Option<String> {
        self.messages(Some(to)).last().and_then(|m| extract_code(&m.text))
    }
}

#[async_trait]
impl EmailSender for SandboxEmail {
    async fn send(&self, to: &str, subject: &str, text: &str) -> Result<()> {
        self.outbox.push(EmailMessage {
            to: to.into(),
            subject: subject.into(),
            text: text.into(),
            sent_at: Utc::now(),
        })
    }
}

/// `POST {endpoint}` with `{"to", "subject", "text"}`.
pub struct HttpEmail(HttpJson);

impl HttpEmail {
    pub fn new(endpoint: String, api_key: ApiKey) -> Self {
        HttpEmail(HttpJson::new(endpoint, api_key))
    }
}

#[async_trait]
impl EmailSender for HttpEmail {
    async fn send(&self, to: &str, subject: &str, text: &str) -> Result<()> {
        let _: serde_json::Value =
            self.0.post("", &serde_json::json!({ "to": to, "subject": subject, "text": text })).await?;
        Ok(())
    }
}
