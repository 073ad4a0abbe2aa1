//! The deadline sweeper, run by a schedule every few minutes: finds the flows whose sweep deadline
//! passed through the deadline index and puts them on the expiry queue.

use crate::AppState;
use shared::usecases::sweep::sweep;

pub async fn handle(state: &AppState, _event: serde_json::Value) -> Result<(), shared::Error> {
    let sent = sweep(&state.services).await?;
    tracing::info!(due = sent, "swept deadlines");
    Ok(())
}
