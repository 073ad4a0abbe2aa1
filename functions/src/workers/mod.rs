//! Workers: Lambdas fed by SQS batches (answering with partial batch failures) or by a schedule.

pub mod deliver_messages;
pub mod expire_flows;
pub mod resolve_recoveries;
pub mod sweep_deadlines;

use aws_lambda_events::sqs::BatchItemFailure;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use std::future::Future;

/// Runs `handle` on each message's body; the messages it fails (or that have no body) are the
/// batch's failures, so SQS retries them and, after the queue's retries, moves them to its
/// dead-letter queue. The reason logged names no personal data (`handle`'s errors must not).
pub(crate) async fn each_message<F, Fut>(event: SqsEvent, work: &'static str, handle: F) -> SqsBatchResponse
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut failures = vec![];
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let outcome = match record.body {
            Some(body) => handle(body).await,
            None => Err("empty message".to_owned()),
        };
        if let Err(reason) = outcome {
            tracing::error!(message_id = %id, reason = %reason, work, "a message failed");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    response
}
