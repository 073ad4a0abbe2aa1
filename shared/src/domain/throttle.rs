//! Sign-in failure limits [LOGIN-6]: per username (existing or not, so the limit reveals nothing)
//! and per source. A lock ends by itself when its window ends, so an attacker cannot lock a victim
//! out for good.

use chrono::{DateTime, Duration, Utc};

pub const WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILURES_PER_USERNAME: u32 = 5;
pub const MAX_FAILURES_PER_SOURCE: u32 = 50;

/// A failure window as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    pub failures: u32,
    pub window_end: DateTime<Utc>,
}

/// `Some(seconds to wait)` when the window is still open and full.
pub fn locked_for(window: Option<FailureWindow>, cap: u32, now: DateTime<Utc>) -> Option<u64> {
    let w = window?;
    (w.window_end > now && w.failures >= cap).then(|| (w.window_end - now).num_seconds().max(1) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_only_while_the_window_is_open() {
        let now = Utc::now();
        let full = FailureWindow { failures: 5, window_end: now + Duration::minutes(3) };
        assert_eq!(locked_for(Some(full), 5, now), Some(180));
        assert_eq!(locked_for(Some(full), 5, now + Duration::minutes(3)), None);
        let partial = FailureWindow { failures: 4, ..full };
        assert_eq!(locked_for(Some(partial), 5, now), None);
        assert_eq!(locked_for(None, 5, now), None);
    }
}
