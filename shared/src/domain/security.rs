//! Account security: second factors, login and operation protection, session settings and
//! recovery codes [LOGIN-3, LOGIN-4, MFA-1, MFA-2].

use chrono::Duration;
use rand::{rngs::OsRng, Rng};
use serde::Serialize;

use super::session::{MAX_IDLE_TIMEOUT, MIN_IDLE_TIMEOUT};

/// A step-up lasts this long, bound to its session.
pub const STEP_UP_TTL: Duration = Duration::minutes(5);
/// A sign-in waiting for its second factor expires after this.
pub const LOGIN_FLOW_TTL: Duration = Duration::minutes(5);
/// Wrong second factors allowed per sign-in flow.
pub const MAX_SECOND_FACTOR_ATTEMPTS: u32 = 5;
/// A TOTP binding must be confirmed within this.
pub const TOTP_BINDING_TTL: Duration = Duration::minutes(10);
pub const RECOVERY_CODE_COUNT: usize = 10;

#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Sms,
    Totp,
    RecoveryCode,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Sms => "sms",
            Factor::Totp => "totp",
            Factor::RecoveryCode => "recovery_code",
        }
    }
}

/// The factors an account can pass: SMS to the bound phone always; TOTP and its recovery codes
/// once bound. Either passes [MFA-1].
pub fn available_factors(totp_bound: bool) -> Vec<Factor> {
    if totp_bound {
        vec![Factor::Sms, Factor::Totp, Factor::RecoveryCode]
    } else {
        vec![Factor::Sms]
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

/// Ten fresh recovery codes, `xxxxx-xxxxx` from an alphabet without look-alikes (50 bits each).
pub fn generate_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = OsRng;
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let mut chars = (0..10).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
            let head: String = chars.by_ref().take(5).collect();
            let tail: String = chars.collect();
            format!("{head}-{tail}")
        })
        .collect()
}

/// How a typed recovery code is compared: case and separators do not matter.
pub fn normalise_recovery_code(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
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

    #[test]
    fn recovery_codes_are_distinct_and_normalise() {
        let codes = generate_recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert_eq!(normalise_recovery_code(&codes[0].to_uppercase()), codes[0].replace('-', ""));
    }
}

/// Binding a virtual MFA device [MFA-3], a stored flow:
/// `open(tries) --try--> open(tries+1) --finish--> finished`; 5 tries, 10 minutes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TotpBinding {
    pub account_id: super::ids::AccountId,
    pub credential: super::login::CredentialRef,
    pub secret_encrypted: super::redacted::Redacted<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub progress: super::flow::Progress,
}

crate::tried_flow!(TotpBinding, super::flow::FlowKind::TotpBinding, MAX_SECOND_FACTOR_ATTEMPTS);
