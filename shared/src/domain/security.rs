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
    /// A passkey's assertion [KEY-2] (its own ceremony: begin, then the authenticator's answer).
    Passkey,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Sms => "sms",
            Factor::Totp => "totp",
            Factor::RecoveryCode => "recovery_code",
            Factor::Passkey => "passkey",
        }
    }
}

/// What an account has to pass a second factor with, besides its phone: a virtual MFA device
/// (and its recovery codes), passkeys [MFA-1, KEY-2].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Means {
    pub totp_bound: bool,
    pub passkey: bool,
}

/// The factors an account can pass: SMS to the bound phone always; TOTP and its recovery codes
/// once bound; a passkey once registered. Any passes [MFA-1, KEY-2].
pub fn available_factors(means: Means) -> Vec<Factor> {
    let mut factors = vec![Factor::Sms];
    if means.totp_bound {
        factors.extend([Factor::Totp, Factor::RecoveryCode]);
    }
    if means.passkey {
        factors.push(Factor::Passkey);
    }
    factors
}

/// The factors the owner chose for one protection (login or operation) [MFA-1, KEY-2]: SMS,
/// virtual MFA, a passkey, or several. The seed: 你可以选择1种或2种双因素验证方式 (one or two
/// factors), and 用户同时开启以上2种双因素认证方式时，只要任一验证通过即可 (with several, passing
/// any one is enough); KEY-2 adds the passkey beside them. Recovery codes stand in for the
/// virtual MFA device. An account that never chose has SMS and virtual MFA, which passes SMS
/// alone until a device is bound (operation protection by SMS by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(into = "Vec<Factor>", try_from = "Vec<Factor>")]
pub struct ChosenFactors {
    sms: bool,
    totp: bool,
    passkey: bool,
}

impl Default for ChosenFactors {
    fn default() -> Self {
        ChosenFactors::BOTH
    }
}

impl ChosenFactors {
    /// SMS and virtual MFA (the choice before any was made).
    pub const BOTH: ChosenFactors = ChosenFactors { sms: true, totp: true, passkey: false };
    pub const SMS: ChosenFactors = ChosenFactors { sms: true, totp: false, passkey: false };
    /// Virtual MFA alone: what a main account requiring 2FA asks of its sub-users [LOGIN-5].
    pub const TOTP: ChosenFactors = ChosenFactors { sms: false, totp: true, passkey: false };

    /// Any of `sms`, `totp` and `passkey` (a recovery code is not a choice of its own).
    pub fn from_list(list: &[Factor]) -> Result<Self, &'static str> {
        if list.contains(&Factor::RecoveryCode) {
            return Err("choose `sms`, `totp`, `passkey` or several (recovery codes come with `totp`)");
        }
        let chosen = ChosenFactors {
            sms: list.contains(&Factor::Sms),
            totp: list.contains(&Factor::Totp),
            passkey: list.contains(&Factor::Passkey),
        };
        if !chosen.sms && !chosen.totp && !chosen.passkey {
            return Err("choose at least one factor: `sms`, `totp` or `passkey`");
        }
        Ok(chosen)
    }

    /// The choice as listed: `["sms"]`, `["sms", "totp"]`, `["passkey"]`, ...
    pub fn list(self) -> Vec<Factor> {
        [(self.sms, Factor::Sms), (self.totp, Factor::Totp), (self.passkey, Factor::Passkey)]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| f)
            .collect()
    }

    /// Whether the choice can be passed with what the account has (else it is refused: a
    /// virtual MFA device to bind, a passkey to register first).
    pub fn usable_with(self, means: Means) -> bool {
        self.sms || (self.totp && means.totp_bound) || (self.passkey && means.passkey)
    }

    /// The choice as it stands with what the account has: the chosen factors it can pass, or SMS,
    /// the only factor left, when it has none of them (the device unbound, the last passkey
    /// removed).
    pub fn usable(self, means: Means) -> Self {
        let left = ChosenFactors {
            sms: self.sms,
            totp: self.totp && means.totp_bound,
            passkey: self.passkey && means.passkey,
        };
        if left.sms || left.totp || left.passkey {
            left
        } else {
            ChosenFactors::SMS
        }
    }

    /// The choice once the account has only `left` (its device unbound): kept while it can still
    /// be passed, else SMS, the only factor left.
    pub fn keep_if_usable(self, left: Means) -> Self {
        if self.usable_with(left) {
            self
        } else {
            ChosenFactors::SMS
        }
    }

    /// The factors that pass now: the chosen ones the account has (a recovery code with the
    /// device). Any of them passes.
    pub fn passing(self, means: Means) -> Vec<Factor> {
        let chosen = self.usable(means);
        available_factors(means)
            .into_iter()
            .filter(|f| match f {
                Factor::Sms => chosen.sms,
                Factor::Totp | Factor::RecoveryCode => chosen.totp,
                Factor::Passkey => chosen.passkey,
            })
            .collect()
    }

    /// Whether a factor may be tried: one that passes, or the virtual MFA chosen before a
    /// device is bound (its check then answers with the binding route).
    pub fn admits(self, factor: Factor, means: Means) -> bool {
        match factor {
            Factor::Sms | Factor::Passkey => self.passing(means).contains(&factor),
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
        let device = Means { totp_bound: true, passkey: false };
        let nothing = Means::default();
        let totp = ChosenFactors::from_list(&[Totp]).unwrap();
        assert_eq!(totp.passing(device), vec![Totp, RecoveryCode], "virtual MFA alone: SMS does not pass");
        assert!(!totp.admits(Sms, device) && totp.admits(RecoveryCode, device));
        assert_eq!(totp.passing(nothing), vec![Sms], "unbound since: SMS is the only factor left");
        assert_eq!(ChosenFactors::BOTH.passing(device), vec![Sms, Totp, RecoveryCode], "both: either passes");
        assert_eq!(ChosenFactors::BOTH.passing(nothing), vec![Sms]);
        assert!(ChosenFactors::BOTH.admits(Totp, nothing), "tried before binding: answered with the binding route");
        assert_eq!(ChosenFactors::SMS.passing(device), vec![Sms]);
        assert!(!ChosenFactors::SMS.admits(Totp, device));
        assert!(ChosenFactors::from_list(&[]).is_err());
        assert!(ChosenFactors::from_list(&[RecoveryCode]).is_err());
        assert_eq!(ChosenFactors::from_list(&[Totp, Sms, Sms]).unwrap().list(), vec![Sms, Totp]);
        assert_eq!(totp.keep_if_usable(nothing), ChosenFactors::SMS);
        assert_eq!(ChosenFactors::BOTH.keep_if_usable(nothing), ChosenFactors::BOTH);
    }

    #[test]
    fn a_passkey_is_a_factor_of_its_own_any_of_several_passes() {
        use Factor::*;
        let keys = Means { totp_bound: false, passkey: true };
        let all = Means { totp_bound: true, passkey: true };
        let passkey = ChosenFactors::from_list(&[Passkey]).unwrap();
        assert_eq!(passkey.passing(keys), vec![Passkey], "a passkey alone: SMS does not pass");
        assert!(passkey.admits(Passkey, keys) && !passkey.admits(Sms, keys) && !passkey.admits(Totp, all));
        assert!(!passkey.usable_with(Means::default()), "chosen with no passkey registered: refused");
        assert_eq!(passkey.passing(Means::default()), vec![Sms], "the last passkey removed: SMS is left");
        let several = ChosenFactors::from_list(&[Sms, Totp, Passkey]).unwrap();
        assert_eq!(several.passing(all), vec![Sms, Totp, RecoveryCode, Passkey]);
        assert_eq!(several.list(), vec![Sms, Totp, Passkey]);
        let device_or_key = ChosenFactors::from_list(&[Totp, Passkey]).unwrap();
        assert_eq!(device_or_key.keep_if_usable(keys), device_or_key, "the device unbound: the passkey passes");
        assert_eq!(device_or_key.passing(keys), vec![Passkey]);
        let stored: ChosenFactors = serde_json::from_str(r#"["sms","passkey"]"#).unwrap();
        assert_eq!(serde_json::to_string(&stored).unwrap(), r#"["sms","passkey"]"#);
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
