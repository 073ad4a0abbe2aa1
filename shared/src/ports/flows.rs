//! Stored flows, generic over the flow type: typed states, transitions conditional on version.

use crate::domain::flow::{Flow, Versioned};
use crate::domain::ids::FlowId;
use crate::error::Result;
use async_trait::async_trait;

#[async_trait]
pub trait FlowStore<F: Flow>: Send + Sync {
    /// Stores a new flow (version 0); refuses to overwrite an existing id.
    async fn create(&self, id: &FlowId, flow: &F) -> Result<()>;
    /// The flow as stored (even if past its time: the flow's own rules decide what that means).
    async fn load(&self, id: &FlowId) -> Result<Option<Versioned<F>>>;
    /// Writes `next` only if the flow is still at `current.version`: `false` if another write
    /// came first (the caller re-reads and re-applies its event, or refuses).
    async fn save(&self, current: &Versioned<F>, next: &F) -> Result<bool>;
}

/// Which page of a list to read: at most `size` items, after the cursor a previous page gave
/// (none: the first page). The cursor is opaque to clients; a store refuses one it did not make
/// (`INVALID_FIELD` `cursor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub size: usize,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn first(size: usize) -> Self {
        PageRequest { size, after: None }
    }
}

/// One page of a list, and the cursor of the next page (none: this is the last).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}
