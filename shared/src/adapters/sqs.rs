//! The queues on SQS: the outbox, the review queue reviewers claim from, the expiry queue the
//! sweeper feeds and the recovery queue of starts to resolve. A queue is named by its URL (deployed: `!Ref <Queue>`) or, in the local
//! environment, by its name (resolved once with GetQueueUrl).

use crate::domain::ids::FlowId;
use crate::error::{Error, Result};
use crate::ports::{DueFlow, ExpiryQueue, Outbox, Received, RecoveryQueue, ReviewQueue, SealedMessage};
use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_sdk_sqs::Client;
use chrono::Duration;
use tokio::sync::OnceCell;

/// A queue by URL or name, its URL looked up once.
pub struct Queue {
    client: Client,
    queue: String,
    url: OnceCell<String>,
}

impl Queue {
    pub fn new(client: Client, queue: impl Into<String>) -> Self {
        Queue { client, queue: queue.into(), url: OnceCell::new() }
    }

    async fn url(&self) -> Result<&str> {
        let url = self
            .url
            .get_or_try_init(|| async {
                if self.queue.contains("://") {
                    return Ok(self.queue.clone());
                }
                let out = self
                    .client
                    .get_queue_url()
                    .queue_name(&self.queue)
                    .send()
                    .await
                    .map_err(|e| Error::internal("find a queue", e))?;
                out.queue_url.ok_or_else(|| Error::internal("find a queue", "no URL"))
            })
            .await?;
        Ok(url)
    }

    async fn send(&self, body: String, context: &'static str) -> Result<()> {
        self.client
            .send_message()
            .queue_url(self.url().await?)
            .message_body(body)
            .send()
            .await
            .map_err(|e| Error::internal(context, e))?;
        Ok(())
    }
}

pub type SqsOutbox = Queue;

#[async_trait]
impl Outbox for Queue {
    async fn enqueue(&self, message: &SealedMessage) -> Result<()> {
        self.send(message.0.clone(), "enqueue outbox message").await
    }
}

fn whole_seconds(d: Duration) -> i32 {
    i32::try_from(d.num_seconds()).unwrap_or(i32::MAX).clamp(0, 43_200)
}

#[async_trait]
impl ReviewQueue for Queue {
    async fn send(&self, case: &FlowId) -> Result<()> {
        Queue::send(self, case.to_string(), "put a case on the review queue").await
    }

    async fn receive(&self, lease: Duration) -> Result<Option<Received>> {
        let out = self
            .client
            .receive_message()
            .queue_url(self.url().await?)
            .max_number_of_messages(1)
            // A short poll may miss the few messages there are; a second's long poll does not.
            .wait_time_seconds(1)
            .visibility_timeout(whole_seconds(lease))
            .send()
            .await
            .map_err(|e| Error::internal("receive from the review queue", e))?;
        let Some(message) = out.messages.unwrap_or_default().into_iter().next() else { return Ok(None) };
        match (message.message_id, message.receipt_handle, message.body) {
            (Some(message_id), Some(receipt), Some(body)) => {
                Ok(Some(Received { message_id, receipt, case_id: FlowId::from_raw(body) }))
            }
            _ => Err(Error::internal("receive from the review queue", "a message without id, receipt or body")),
        }
    }

    async fn extend(&self, receipt: &str, lease: Duration) -> Result<bool> {
        let result = self
            .client
            .change_message_visibility()
            .queue_url(self.url().await?)
            .receipt_handle(receipt)
            .visibility_timeout(whole_seconds(lease))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_receipt_handle_is_invalid() || e.is_message_not_inflight()) =>
            {
                Ok(false)
            }
            Err(e) => Err(Error::internal("extend a review lease", e)),
        }
    }

    async fn remove(&self, receipt: &str) -> Result<()> {
        self.client
            .delete_message()
            .queue_url(self.url().await?)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| Error::internal("remove a review message", e))?;
        Ok(())
    }
}

#[async_trait]
impl ExpiryQueue for Queue {
    async fn send_all(&self, due: &[DueFlow]) -> Result<()> {
        let url = self.url().await?;
        for chunk in due.chunks(10) {
            let mut request = self.client.send_message_batch().queue_url(url);
            for (i, flow) in chunk.iter().enumerate() {
                let body = serde_json::to_string(flow).map_err(|e| Error::internal("encode a due flow", e))?;
                request = request.entries(
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|e| Error::internal("build a due-flow message", e))?,
                );
            }
            let out = request.send().await.map_err(|e| Error::internal("send due flows", e))?;
            if !out.failed.is_empty() {
                return Err(Error::internal("send due flows", "some messages were not accepted"));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl RecoveryQueue for Queue {
    async fn resolve_later(&self, start: &DueFlow) -> Result<()> {
        let body = serde_json::to_string(start).map_err(|e| Error::internal("encode a recovery start", e))?;
        self.send(body, "queue a recovery start").await
    }
}
