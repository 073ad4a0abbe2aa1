//! Account security: second factors, login and operation protection, session settings and
//! recovery codes [LOGIN-3, LOGIN-4, MFA-1, MFA-2].

use chrono::Duration;
use rand::{rngs::OsRng, Rng};
use serde::Serialize;

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

/// The factors the owner chose for one protection (login or operation) [MFA-1]: SMS, virtual
/// MFA, or both. The seed: 你可以选择1种或2种双因素验证方式 (one or two factors), and
/// 用户同时开启以上2种双因素认证方式时，只要任一验证通过即可 (with both, passing either is enough).
/// Recovery codes stand in for the virtual MFA device. An account that never chose has both,
/// which passes SMS alone until a device is bound (operation protection by SMS by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(into = "Vec<Factor>", try_from = "Vec<Factor>")]
pub struct ChosenFactors {
    sms: bool,
    totp: bool,
}

impl Default for ChosenFactors {
    fn default() -> Self {
        ChosenFactors::BOTH
    }
}

impl ChosenFactors {
    pub const BOTH: ChosenFactors = ChosenFactors { sms: true, totp: true };
    pub const SMS: ChosenFactors = ChosenFactors { sms: true, totp: false };
    /// Virtual MFA alone: what a main account requiring 2FA asks of its sub-users [LOGIN-5].
    pub const TOTP: ChosenFactors = ChosenFactors { sms: false, totp: true };

    /// One or both of `sms` and `totp` (a recovery code is not a choice of its own).
    pub fn from_list(list: &[Factor]) -> Result<Self, &'static str> {
        if list.contains(&Factor::RecoveryCode) {
            return Err("choose `sms`, `totp` or both (recovery codes come with `totp`)");
        }
        let chosen = ChosenFactors { sms: list.contains(&Factor::Sms), totp: list.contains(&Factor::Totp) };
        if !chosen.sms && !chosen.totp {
            return Err("choose at least one factor: `sms`, `totp` or both");
        }
        Ok(chosen)
    }

    /// The choice as listed: `["sms"]`, `["totp"]` or `["sms", "totp"]`.
    pub fn list(self) -> Vec<Factor> {
        [(self.sms, Factor::Sms), (self.totp, Factor::Totp)].into_iter().filter(|(on, _)| *on).map(|(_, f)| f).collect()
    }

    /// Virtual MFA alone: it needs a bound device.
    pub fn totp_only(self) -> bool {
        self.totp && !self.sms
    }

    /// The choice once the device is unbound: virtual MFA alone becomes SMS, the only factor left.
    pub fn without_device(self) -> Self {
        if self.totp_only() {
            ChosenFactors::SMS
        } else {
            self
        }
    }

    /// The factors that pass now: the chosen ones the account has (a recovery code with the
    /// device). Either of them passes.
    pub fn passing(self, totp_bound: bool) -> Vec<Factor> {
        let chosen = if totp_bound { self } else { self.without_device() };
        available_factors(totp_bound)
            .into_iter()
            .filter(|f| match f {
                Factor::Sms => chosen.sms,
                Factor::Totp | Factor::RecoveryCode => chosen.totp,
            })
            .collect()
    }

    /// Whether a factor may be tried: one that passes, or the virtual MFA chosen before a
    /// device is bound (its check then answers with the binding route).
    pub fn admits(self, factor: Factor, totp_bound: bool) -> bool {
        match factor {
            Factor::Sms => self.passing(totp_bound).contains(&Factor::Sms),
            Factor::Totp | Factor::RecoveryCode => self.totp,
        }
    }
}

impl From<ChosenFactors> for Vec<Factor> {
    fn from(c: ChosenFactors) -> Self {
        c.list()
    }
}

impl TryFrom<Vec<Factor>> for ChosenFactors {
    type Error = &'static str;
    fn try_from(list: Vec<Factor>) -> Result<Self, Self::Error> {
        ChosenFactors::from_list(&list)
    }
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
    fn the_chosen_factors_decide_what_passes() {
        use Factor::*;
        let totp = ChosenFactors::from_list(&[Totp]).unwrap();
        assert_eq!(totp.passing(true), vec![Totp, RecoveryCode], "virtual MFA alone: SMS does not pass");
        assert!(!totp.admits(Sms, true) && totp.admits(RecoveryCode, true));
        assert_eq!(totp.passing(false), vec![Sms], "unbound since: SMS is the only factor left");
        assert_eq!(ChosenFactors::BOTH.passing(true), vec![Sms, Totp, RecoveryCode], "both: either passes");
        assert_eq!(ChosenFactors::BOTH.passing(false), vec![Sms]);
        assert!(ChosenFactors::BOTH.admits(Totp, false), "tried before binding: answered with the binding route");
        assert_eq!(ChosenFactors::SMS.passing(true), vec![Sms]);
        assert!(!ChosenFactors::SMS.admits(Totp, true));
        assert!(ChosenFactors::from_list(&[]).is_err());
        assert!(ChosenFactors::from_list(&[RecoveryCode]).is_err());
        assert_eq!(ChosenFactors::from_list(&[Totp, Sms, Sms]).unwrap().list(), vec![Sms, Totp]);
        assert_eq!(totp.without_device(), ChosenFactors::SMS);
        assert_eq!(ChosenFactors::BOTH.without_device(), ChosenFactors::BOTH);
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
