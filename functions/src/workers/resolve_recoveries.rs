//! The recovery worker: each message names a recovery start (a password reset or an account
//! lookup) to resolve after its answer [REC-4]; a start delivered twice is resolved once.

use super::each_message;
use crate::AppState;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::ports::DueFlow;
use shared::usecases::recovery::resolve;

pub async fn handle(state: &AppState, event: SqsEvent) -> SqsBatchResponse {
    each_message(event, "recovery", |body| async move {
        let start: DueFlow = serde_json::from_str(&body).map_err(|e| format!("unreadable message: {e}"))?;
        resolve(&state.services, &start).await.map_err(|e| e.to_string())
    })
    .await
}
