//! Queue workers: Lambdas fed by SQS batches, answering with partial batch failures.

pub mod deliver_messages;
