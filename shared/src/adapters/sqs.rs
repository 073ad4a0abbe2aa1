//! The outbox queue on SQS. The queue is named by its URL (deployed: `!Ref OutboxQueue`) or, in
//! the local environment, by its name (resolved once with GetQueueUrl).

use crate::error::{Error, Result};
use crate::ports::{Outbox, SealedMessage};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use tokio::sync::OnceCell;

pub struct SqsOutbox {
    client: Client,
    queue: String,
    url: OnceCell<String>,
}

impl SqsOutbox {
    pub fn new(client: Client, queue: impl Into<String>) -> Self {
        SqsOutbox { client, queue: queue.into(), url: OnceCell::new() }
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
                    .map_err(|e| Error::internal("find the outbox queue", e))?;
                out.queue_url.ok_or_else(|| Error::internal("find the outbox queue", "no URL"))
            })
            .await?;
        Ok(url)
    }
}

#[async_trait]
impl Outbox for SqsOutbox {
    async fn enqueue(&self, message: &SealedMessage) -> Result<()> {
        let body = message.0.clone();
        self.client
            .send_message()
            .queue_url(self.url().await?)
            .message_body(body)
            .send()
            .await
            .map_err(|e| Error::internal("enqueue outbox message", e))?;
        Ok(())
    }
}
