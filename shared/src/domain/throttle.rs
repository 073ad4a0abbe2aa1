//! Sign-in failure limits [LOGIN-6]: per username (existing or not, so the limit reveals nothing)
//! and per source. A lock ends by itself when its window ends, so an attacker cannot lock a victim
//! out for good.

use super::ids::AccountId;
use chrono::{DateTime, Duration, Utc};

pub const WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILURES_PER_USERNAME: u32 = 5;
pub const MAX_FAILURES_PER_SOURCE: u32 = 50;

/// Whose failures a window counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Throttle {
    /// Password failures for a sign-in name (by keyed hash: existing or not), from anywhere:
    /// beyond its cap a sign-in needs a captcha.
    Username(String),
    /// Password failures for a sign-in name from one source: beyond its cap that source is
    /// locked out of the name until the window ends.
    UsernameAtSource(String, String),
    /// Password failures from a source address (by keyed hash).
    Source(String),
    /// Wrong second factors of an account.
    SecondFactor(AccountId),
    /// Wrong current passwords given to change the password (a signed-in session, so per account).
    CurrentPassword(AccountId),
    /// Wrong virtual MFA codes of a staff sign-in's MFA step (its session, by keyed hash).
    StaffSecondFactor(String),
}

/// A failure window as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    pub failures: u32,
    pub window_end: DateTime<Utc>,
}

/// `Some(seconds to wait)` when the window is still open and full.
pub fn locked_for(window: Option<FailureWindow>, cap: u32, now: DateTime<Utc>) -> Option<u64> {
    let w = window?;
    (w.window_end > now && w.failures >= cap).then(|| super::whole_seconds(w.window_end - now))
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
