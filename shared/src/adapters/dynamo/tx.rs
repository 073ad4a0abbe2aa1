//! A transaction whose items are named by what their conditions guard: each write of the
//! transaction is pushed with a guard of the transaction's own enum (`OpenCase::Account`,
//! `PersonChange::DocumentCap`), and a cancellation is read by those names instead of by
//! position, so adding or reordering an item cannot make a refusal read as another.
//!
//! ```ignore
//! #[derive(Clone, Copy, PartialEq, Eq, Debug)]
//! enum Guard { Flow, DocumentCap }
//! let tx = Tx::new().update(Guard::Flow, transition).update(Guard::DocumentCap, count);
//! match self.commit(tx).await? {
//!     Ok(()) => ..,
//!     Err(cancelled) if cancelled.failed(Guard::DocumentCap) => ..,
//!     Err(_) => ..,
//! }
//! ```

use super::{cancelled_items, DynamoStore, Item};
use crate::error::Error;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

/// The items of one transaction, each with its guard.
#[derive(Clone)]
pub(crate) struct Tx<G> {
    items: Vec<TransactWriteItem>,
    guards: Vec<G>,
}

impl<G: Copy + PartialEq> Tx<G> {
    pub(crate) fn new() -> Self {
        Tx { items: Vec::new(), guards: Vec::new() }
    }

    /// Items already built (a helper's list), all under one guard.
    pub(crate) fn items(mut self, guard: G, items: impl IntoIterator<Item = TransactWriteItem>) -> Self {
        for item in items {
            self.items.push(item);
            self.guards.push(guard);
        }
        self
    }

    /// Another transaction's items (a helper's, under its own guards), each under the guard
    /// `guard` gives for its own.
    pub(crate) fn extend<H: Copy + PartialEq>(mut self, other: Tx<H>, guard: impl Fn(H) -> G) -> Self {
        self.items.extend(other.items);
        self.guards.extend(other.guards.into_iter().map(guard));
        self
    }

    pub(crate) fn item(self, guard: G, item: TransactWriteItem) -> Self {
        self.items(guard, [item])
    }

    pub(crate) fn update(self, guard: G, update: Update) -> Self {
        self.item(guard, TransactWriteItem::builder().update(update).build())
    }

    pub(crate) fn put(self, guard: G, put: Put) -> Self {
        self.item(guard, TransactWriteItem::builder().put(put).build())
    }

    pub(crate) fn delete(self, guard: G, delete: Delete) -> Self {
        self.item(guard, TransactWriteItem::builder().delete(delete).build())
    }

    pub(crate) fn check(self, guard: G, check: ConditionCheck) -> Self {
        self.item(guard, TransactWriteItem::builder().condition_check(check).build())
    }
}

/// A cancelled transaction: which guards failed their condition, each with the item as DynamoDB
/// returned it (when the write asked for it with `ReturnValuesOnConditionCheckFailure`).
#[derive(Debug)]
pub(crate) struct Cancelled<G> {
    failed: Vec<(G, Option<Item>)>,
}

impl<G: Copy + PartialEq> Cancelled<G> {
    /// Whether an item under `guard` failed its condition.
    pub(crate) fn failed(&self, guard: G) -> bool {
        self.failed.iter().any(|(g, _)| *g == guard)
    }

    /// Whether any item failed its condition (none did: cancelled for another reason).
    pub(crate) fn any(&self) -> bool {
        !self.failed.is_empty()
    }

    /// The item as it was, of the first item under `guard` that failed and returned it.
    pub(crate) fn item(&self, guard: G) -> Option<&Item> {
        self.failed.iter().filter(|(g, _)| *g == guard).find_map(|(_, item)| item.as_ref())
    }
}

impl DynamoStore {
    /// Writes the transaction: `Ok(Err(cancelled))` when a condition failed (nothing written).
    /// Busy and other failures are `Err` (see [`cancelled_items`]).
    pub(crate) async fn commit<G: Copy + PartialEq>(&self, tx: Tx<G>) -> Result<Result<(), Cancelled<G>>, Error> {
        let Tx { items, guards } = tx;
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(Ok(())),
            Err(err) => {
                let reasons = cancelled_items(err)?;
                let failed = guards
                    .into_iter()
                    .zip(reasons)
                    .filter_map(|(guard, reason)| reason.map(|item| (guard, item)))
                    .collect();
                Ok(Err(Cancelled { failed }))
            }
        }
    }

    /// [`Self::commit`], sent again when it was cancelled with no condition failed (it lost to a
    /// concurrent transaction on a shared item that the SDK's own retries did not outlast).
    pub(crate) async fn commit_retrying<G: Copy + PartialEq>(
        &self,
        tx: Tx<G>,
        context: &'static str,
    ) -> Result<Result<(), Cancelled<G>>, Error> {
        for _ in 0..MAX_RACES {
            match self.commit(tx.clone()).await? {
                Err(cancelled) if !cancelled.any() => continue,
                outcome => return Ok(outcome),
            }
        }
        Err(Error::busy(context, "too many concurrent writes"))
    }
}

/// Lost races a transaction tolerates before it answers `TRY_AGAIN`.
const MAX_RACES: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Guard {
        Flow,
        Cap,
        Other,
    }

    #[test]
    fn a_cancellation_is_read_by_guard() {
        let item: Item = [("pk".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S("x".into()))].into();
        let cancelled = Cancelled { failed: vec![(Guard::Cap, None), (Guard::Cap, Some(item.clone()))] };
        assert!(cancelled.failed(Guard::Cap) && !cancelled.failed(Guard::Flow) && !cancelled.failed(Guard::Other));
        assert_eq!(cancelled.item(Guard::Cap), Some(&item));
        assert!(cancelled.any() && !Cancelled::<Guard> { failed: vec![] }.any());
    }

    #[test]
    fn a_helpers_items_keep_their_order_under_the_callers_guards() {
        let item = || TransactWriteItem::builder().build();
        let helper = Tx::new().item(Guard::Flow, item()).item(Guard::Cap, item());
        let tx =
            Tx::new().item(Guard::Other, item()).extend(helper, |g| if g == Guard::Cap { g } else { Guard::Other });
        assert_eq!(tx.items.len(), 3);
        assert_eq!(tx.guards, [Guard::Other, Guard::Other, Guard::Cap]);
    }
}
