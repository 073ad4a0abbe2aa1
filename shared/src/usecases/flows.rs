//! Moving a stored flow on: apply the event to the state read, write it conditional on the
//! version read; when another write came first, read again and re-apply (the event may now be
//! refused). A lost race is never dropped silently.

use crate::domain::flow::{Flow, Versioned};
use crate::error::{Error, Result};
use crate::ports::FlowStore;
use chrono::{DateTime, Utc};

/// How many lost races a step tolerates before it answers with a fault (each lost race means
/// another step succeeded, so this bounds only pathological contention).
const MAX_RACES: usize = 64;

pub(crate) async fn advance<'e, F: Flow>(
    store: &dyn FlowStore<F>,
    mut current: Versioned<F>,
    event: impl Fn() -> F::Event<'e>,
    now: DateTime<Utc>,
) -> Result<Result<Versioned<F>, F::Refusal>> {
    for _ in 0..MAX_RACES {
        let next = match current.flow.clone().apply(event(), now) {
            Ok(next) => next,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if store.save(&current, &next).await? {
            return Ok(Ok(Versioned { id: current.id, version: current.version + 1, flow: next }));
        }
        current = store.load(&current.id).await?.ok_or_else(|| Error::internal("advance flow", "the flow vanished"))?;
    }
    Err(Error::busy("advance flow", "too many concurrent writes"))
}
