//! The delivery worker's use case: hand an outbox message to the SMS or email provider, once per
//! message however often the queue delivers it.

use super::deps::{HasClock, HasDeliveries, HasEmail, HasKeys, HasOutbox, HasSms};
use crate::error::{Error, Result};
use crate::ports::{OutboxMessage, SealedMessage};
use chrono::Duration;

/// How long a delivery is remembered (the queue keeps a message at most four days, redeliveries
/// come within minutes).
const REMEMBER: Duration = Duration::days(4);

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    Sent,
    /// Delivered before (a repeated delivery from the queue).
    AlreadySent,
    Discarded,
}

/// Puts a message on the outbox, sealed.
pub(crate) async fn enqueue(deps: &(impl HasKeys + HasOutbox), message: &OutboxMessage) -> Result<()> {
    deps.outbox().enqueue(&seal(deps, message)?).await
}

/// A message sealed for the outbox.
pub(crate) fn seal(deps: &impl HasKeys, message: &OutboxMessage) -> Result<SealedMessage> {
    let json = serde_json::to_string(message).map_err(|e| Error::internal("encode outbox message", e))?;
    Ok(SealedMessage(deps.keys().encrypt(&json)?))
}

/// Opens a message as the queue delivered it.
pub fn open(deps: &impl HasKeys, sealed: &str) -> Result<OutboxMessage> {
    let json = deps.keys().decrypt(sealed)?;
    serde_json::from_str(&json).map_err(|e| Error::internal("decode outbox message", e))
}

/// Sends the message, unless it was sent before. A failed send gives its claim back and fails, so
/// the queue delivers it again (and after its retries, to the dead-letter queue).
pub async fn deliver(
    deps: &(impl HasClock + HasSms + HasEmail + HasDeliveries),
    message: &OutboxMessage,
) -> Result<Delivered> {
    if let OutboxMessage::Discard { .. } = message {
        return Ok(Delivered::Discarded);
    }
    if !deps.deliveries().claim(message.id(), deps.clock().now() + REMEMBER).await? {
        return Ok(Delivered::AlreadySent);
    }
    let sent = match message {
        OutboxMessage::Sms { to, text, .. } => deps.sms().send(to.expose(), text.expose()).await,
        OutboxMessage::Email { to, subject, text, .. } => deps.email().send(to.expose(), subject, text.expose()).await,
        OutboxMessage::Discard { .. } => Ok(()),
    };
    if let Err(fault) = sent {
        deps.deliveries().release(message.id()).await?;
        return Err(fault);
    }
    Ok(Delivered::Sent)
}
