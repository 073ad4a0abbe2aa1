//! DynamoDB under concurrency, as the cloud has it: a transaction that meets another transaction
//! on one of its items is cancelled with reason `TransactionConflict`, a single write to an item a
//! transaction holds fails with `TransactionConflictException`, and a busy table throttles. None
//! of these changed anything, so the SDK sends them again with jittered exponential backoff
//! ([`RetryBusy`], within [`retry_config`]); what still fails is [`Error::TryAgain`] (503 with
//! `Retry-After`), never a fault and never read as a failed condition.
//!
//! A lost answer (a `500` after the write was applied) is sent again by the SDK too: a
//! transaction keeps its `ClientRequestToken` across those retries and DynamoDB answers a repeat
//! with the first result, so every conditional write of this adapter is a transaction (see
//! `DynamoStore::write_once`) or carries its own request token in the item.

use crate::error::{Cause, Error};
use aws_sdk_dynamodb::config::retry::{ClassifyRetry, RetryAction, RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use std::time::Duration;

/// Attempts per request (the first and its retries) before a conflict or throttling is
/// answered `TRY_AGAIN`: with [`INITIAL_BACKOFF`] doubling up to [`MAX_BACKOFF`], full jitter,
/// about two seconds on average at the worst, well within a request's time (API Gateway: 29 s).
pub const MAX_ATTEMPTS: u32 = 10;
const INITIAL_BACKOFF: Duration = Duration::from_millis(15);
const MAX_BACKOFF: Duration = Duration::from_millis(800);

/// The codes of a request refused because its items or its table were busy: nothing was written.
const BUSY_CODES: &[&str] = &[
    "TransactionConflictException",
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
];

/// The cancellation reasons of a transaction that was refused for being busy, not for a condition.
const BUSY_REASONS: &[&str] = &["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"];

/// The SDK's retries for this adapter: more and faster attempts than the default (conflicts clear
/// in milliseconds), from a retry budget of its own that bursts of conflicts cannot exhaust.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

pub fn retry_partition() -> RetryPartition {
    RetryPartition::custom("account-centre-dynamodb").token_bucket(TokenBucket::unlimited()).build()
}

/// Whether a transaction's cancellation reasons say it met a busy item (and so changed nothing).
pub(crate) fn busy_reasons<'a>(mut codes: impl Iterator<Item = Option<&'a str>>) -> bool {
    codes.any(|c| c.is_some_and(|c| BUSY_REASONS.contains(&c)))
}

/// Marks conflicts the SDK's own classifiers do not know as worth another attempt (as throttling:
/// with backoff).
#[derive(Debug, Default, Clone)]
pub struct RetryBusy;

impl ClassifyRetry for RetryBusy {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(err)) = ctx.output_or_error() else { return RetryAction::NoActionIndicated };
        let Some(err) = err.as_operation_error() else { return RetryAction::NoActionIndicated };
        let busy = if let Some(e) = err.downcast_ref::<TransactWriteItemsError>() {
            match e {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    busy_reasons(c.cancellation_reasons().iter().map(|r| r.code()))
                }
                other => is_busy_code(other.code()),
            }
        } else if let Some(e) = err.downcast_ref::<UpdateItemError>() {
            is_busy_code(e.code())
        } else if let Some(e) = err.downcast_ref::<PutItemError>() {
            is_busy_code(e.code())
        } else if let Some(e) = err.downcast_ref::<DeleteItemError>() {
            is_busy_code(e.code())
        } else {
            false
        };
        if busy {
            RetryAction::throttling_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "RetryBusy"
    }
}

fn is_busy_code(code: Option<&str>) -> bool {
    code.is_some_and(|c| BUSY_CODES.contains(&c))
}

/// An SDK failure as the use cases see it: busy (after the SDK's retries) is `TRY_AGAIN`, anything
/// else a fault.
pub(crate) fn store_error<E>(context: &'static str, err: E) -> Error
where
    E: ProvideErrorMetadata + Into<Cause>,
{
    if is_busy_code(err.code()) {
        Error::TryAgain { context, cause: err.into() }
    } else {
        Error::internal(context, err)
    }
}
