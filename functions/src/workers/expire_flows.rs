//! The expiry worker: each message names a flow the sweeper found due; the worker applies what is
//! due with a conditional write (a message delivered twice changes the flow once).

use super::each_message;
use crate::AppState;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use shared::ports::DueFlow;
use shared::usecases::sweep::expire;

pub async fn handle(state: &AppState, event: SqsEvent) -> SqsBatchResponse {
    each_message(event, "expiry", |body| async move {
        let due: DueFlow = serde_json::from_str(&body).map_err(|e| format!("unreadable message: {e}"))?;
        expire(&state.services, &due).await.map_err(|e| e.to_string())
    })
    .await
}
