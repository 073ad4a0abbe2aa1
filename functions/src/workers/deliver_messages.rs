//! The outbox's delivery worker: each message is one SMS or email for the provider. A message
//! delivered twice is sent once; one that fails (or cannot be read) is reported, so SQS retries
//! it and, after the queue's retries, moves it to the dead-letter queue.

use super::each_message;
use crate::AppState;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::usecases::delivery::{deliver, open};

pub async fn handle(state: &AppState, event: SqsEvent) -> SqsBatchResponse {
    each_message(event, "delivery", |body| async move {
        // The reason names no recipient or text (the message's own fields are not logged).
        let message = open(&state.services, &body).map_err(|e| format!("unreadable message: {e}"))?;
        deliver(&state.services, &message).await.map(|_| ()).map_err(|e| e.to_string())
    })
    .await
}
