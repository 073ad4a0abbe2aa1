//! The outbox's delivery worker: each message is one SMS or email for the provider. A message
//! delivered twice is sent once; one that fails (or cannot be read) is reported, so SQS retries
//! it and, after the queue's retries, moves it to the dead-letter queue.

use crate::registry::{SqsBatchResponse, SqsEvent};
use crate::AppState;
use aws_lambda_events::sqs::BatchItemFailure;
use shared::usecases::delivery::{deliver, open};

pub async fn handle(state: &AppState, event: SqsEvent) -> SqsBatchResponse {
    let mut failures = vec![];
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let message = record.body.as_deref().map(|body| open(&state.services, body));
        let failed = match message {
            Some(Ok(message)) => deliver(&state.services, &message).await.err().map(|e| e.to_string()),
            Some(Err(e)) => Some(format!("unreadable message: {e}")),
            None => Some("empty message".to_owned()),
        };
        if let Some(reason) = failed {
            // The reason names no recipient or text (the message's own fields are not logged).
            tracing::error!(message_id = %id, reason = %reason, "delivery failed");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
