//! Stored flows, generic over the flow type: typed states, transitions conditional on version.

use crate::domain::flow::{Flow, Versioned};
use crate::domain::ids::FlowId;
use crate::error::{Error, Result};
use async_trait::async_trait;
use chrono::DateTime;

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

/// The cursor of the page after the item with this sort key (`<RFC 3339>#<flow id>`).
pub fn encode_cursor(sort_key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sort_key)
}

/// The sort key a cursor holds; refused unless it is one a list makes: `<RFC 3339>#<flow id>`
/// (or a bare time, as items listed before the ids were added to the keys), at most 100 bytes.
pub fn decode_cursor(cursor: &str) -> Result<String> {
    use base64::Engine;
    let refused = || Error::invalid("cursor", "not a cursor this list gave");
    if cursor.len() > 200 {
        return Err(refused());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refused())?;
    let key = String::from_utf8(bytes).map_err(|_| refused())?;
    let (at, id) = key.split_once('#').unwrap_or((&key, "a"));
    let well_formed = DateTime::parse_from_rfc3339(at).is_ok()
        && (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then_some(key.clone()).ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_holds_a_sort_key_this_list_makes_and_nothing_else() {
        let key = "2026-12-06T12:00:00Z#0123456789abcdef0123456789abcdef";
        assert_eq!(decode_cursor(&encode_cursor(key)).unwrap(), key);
        assert_eq!(decode_cursor(&encode_cursor("2026-12-06T12:00:00Z")).unwrap(), "2026-12-06T12:00:00Z");
        let too_long = format!("2026-12-06T12:00:00Z#{}", "a".repeat(1100));
        for bad in [
            encode_cursor(&too_long),
            encode_cursor("not-a-cursor"),
            encode_cursor("2026-12-06T12:00:00Z#a b"),
            "!!".into(),
        ] {
            assert!(matches!(decode_cursor(&bad), Err(Error::InvalidField { .. })), "{bad}");
        }
    }
}
