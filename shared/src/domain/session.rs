//! Console sessions [LOGIN-4, LOGIN-7]: a signed token bound to a server-side session that ends
//! after a period without activity (default 60 minutes) and at sign-out.

use chrono::Duration;

pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::minutes(60);
pub const MIN_IDLE_TIMEOUT: Duration = Duration::minutes(15);
pub const MAX_IDLE_TIMEOUT: Duration = Duration::minutes(23 * 60 + 59);
/// However active, a session (and its token) lasts at most this long.
pub const MAX_SESSION_LIFETIME: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    Password,
    PasswordAndSecondFactor,
    QrCode,
    QrCodeAndSecondFactor,
    SmsCode,
    SmsCodeAndSecondFactor,
    /// A bound third-party identity (OAuth) [LOGIN-2].
    ThirdParty,
    ThirdPartyAndSecondFactor,
    /// A passkey: both factors in one [KEY-1].
    Passkey,
}

impl SignInMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::PasswordAndSecondFactor => "password+2fa",
            SignInMethod::QrCode => "qr-code",
            SignInMethod::QrCodeAndSecondFactor => "qr-code+2fa",
            SignInMethod::SmsCode => "sms-code",
            SignInMethod::SmsCodeAndSecondFactor => "sms-code+2fa",
            SignInMethod::ThirdParty => "third-party",
            SignInMethod::ThirdPartyAndSecondFactor => "third-party+2fa",
            SignInMethod::Passkey => "passkey",
        }
    }

    /// The method once a second factor completed it [LOGIN-3].
    pub fn with_second_factor(self) -> Self {
        match self {
            SignInMethod::Password | SignInMethod::PasswordAndSecondFactor => SignInMethod::PasswordAndSecondFactor,
            SignInMethod::QrCode | SignInMethod::QrCodeAndSecondFactor => SignInMethod::QrCodeAndSecondFactor,
            SignInMethod::SmsCode | SignInMethod::SmsCodeAndSecondFactor => SignInMethod::SmsCodeAndSecondFactor,
            SignInMethod::ThirdParty | SignInMethod::ThirdPartyAndSecondFactor => {
                SignInMethod::ThirdPartyAndSecondFactor
            }
            // Both factors already.
            SignInMethod::Passkey => SignInMethod::Passkey,
        }
    }

    /// The factor this method itself proved, which cannot also count as the second one.
    pub fn proven_factor(self) -> Option<super::security::Factor> {
        matches!(self, SignInMethod::SmsCode).then_some(super::security::Factor::Sms)
    }
}

/// Who is calling, as the authorizer established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: super::ids::AccountId,
    pub session_id: super::ids::SessionId,
    /// The security record (credential) behind the session.
    pub credential: super::login::CredentialRef,
    /// Until when a passed second factor covers sensitive operations [MFA-2].
    pub step_up_until: Option<chrono::DateTime<chrono::Utc>>,
    /// A passport or legacy account that has not accepted the agreements yet: the session may
    /// only activate [REG-4].
    pub activation_pending: bool,
}

/// The authorizer marks a session active at most this often: a call within it of the last mark
/// only reads the session [LOGIN-4, issue 15]. The idle timeout counts from the last mark, so a
/// session idles out up to this much earlier than from its very last call.
pub const TOUCH_INTERVAL: Duration = Duration::seconds(60);

/// What the authorizer reads of a session, and of its account's session generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    /// Unix seconds: the end of the idle timeout counted from the last mark.
    pub idle_deadline: i64,
    /// Unix seconds: the end of the session's lifetime.
    pub expires_at: i64,
    /// When activity was last marked.
    pub last_marked: chrono::DateTime<chrono::Utc>,
    /// The account's session generation the session was born in (or kept into).
    pub generation: u64,
}

impl Liveness {
    /// Alive at `now`: neither idle past its timeout nor past its lifetime, and of the account's
    /// current generation (signing out everywhere moves the account to the next one).
    pub fn alive(&self, current_generation: u64, now: chrono::DateTime<chrono::Utc>) -> bool {
        let now = now.timestamp();
        self.idle_deadline > now && self.expires_at > now && self.generation == current_generation
    }

    /// Whether this call should mark activity (extend the idle deadline).
    pub fn mark_due(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        now - self.last_marked >= TOUCH_INTERVAL
    }
}

/// The idle timeout a main account may choose [LOGIN-4]: 15 minutes to 23 hours 59 minutes.
pub fn idle_timeout_from_minutes(minutes: i64) -> Result<Duration, String> {
    // `try_minutes`: a value beyond chrono's range is out of range too, not a panic (found by
    // schemathesis: `{"idle_timeout_minutes": 9223372036854775807}`).
    let d = Duration::try_minutes(minutes).unwrap_or(Duration::MAX);
    if d < MIN_IDLE_TIMEOUT || d > MAX_IDLE_TIMEOUT {
        return Err(format!(
            "must be between {} and {} minutes",
            MIN_IDLE_TIMEOUT.num_minutes(),
            MAX_IDLE_TIMEOUT.num_minutes()
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_timeout_bounds() {
        assert!(idle_timeout_from_minutes(14).is_err());
        assert_eq!(idle_timeout_from_minutes(15).unwrap(), Duration::minutes(15));
        assert_eq!(idle_timeout_from_minutes(23 * 60 + 59).unwrap(), Duration::minutes(1439));
        assert!(idle_timeout_from_minutes(24 * 60).is_err());
        assert!(idle_timeout_from_minutes(i64::MAX).is_err());
        assert!(idle_timeout_from_minutes(i64::MIN).is_err());
    }
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_session_lives_while_active_young_and_of_the_current_generation() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let s = Liveness {
            idle_deadline: now.timestamp() + 10,
            expires_at: now.timestamp() + 100,
            last_marked: now - Duration::seconds(59),
            generation: 2,
        };
        assert!(s.alive(2, now));
        assert!(!s.alive(3, now), "signed out everywhere");
        assert!(!s.alive(2, now + Duration::seconds(10)), "idle");
        assert!(!Liveness { expires_at: now.timestamp(), ..s }.alive(2, now), "too old");
        assert!(!s.mark_due(now));
        assert!(s.mark_due(now + Duration::seconds(1)));
    }
}
