//! Messages leave after the answer: a use case puts an SMS or an email on the outbox queue and the
//! delivery worker hands it to the provider (so no answer waits for, or reveals, a send).

use crate::domain::redacted::Redacted;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One message to deliver. `id` is unique per message (a delivery happens once per id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "snake_case")]
pub enum OutboxMessage {
    Sms {
        id: String,
        to: Redacted<String>,
        text: Redacted<String>,
    },
    Email {
        id: String,
        to: Redacted<String>,
        subject: String,
        text: Redacted<String>,
    },
    /// Nothing to deliver: no longer sent (recovery starts are resolved by their worker after
    /// the answer); still read, so that such messages queued before an update are dropped rather
    /// than dead-lettered.
    Discard {
        id: String,
    },
}

impl OutboxMessage {
    pub fn id(&self) -> &str {
        match self {
            OutboxMessage::Sms { id, .. } | OutboxMessage::Email { id, .. } | OutboxMessage::Discard { id } => id,
        }
    }
}

/// A message as it travels: sealed with the field-encryption key, so neither the queue nor any
/// log of the request that carries it holds a phone number, an address or a code in clear.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedMessage(pub String);

#[async_trait]
pub trait Outbox: Send + Sync {
    async fn enqueue(&self, message: &SealedMessage) -> Result<()>;
}

/// Which messages were delivered, so a message delivered twice (SQS delivers at least once) is
/// sent once.
#[async_trait]
pub trait DeliveryLog: Send + Sync {
    /// Claims the delivery of `id`: `false` if it was claimed before.
    async fn claim(&self, id: &str, keep_until: DateTime<Utc>) -> Result<bool>;
    /// Gives a claim back after a failed send, so the redelivery sends it.
    async fn release(&self, id: &str) -> Result<()>;
}
