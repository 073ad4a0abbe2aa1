//! The secrets, kept in AWS Secrets Manager (locally: the emulator's), read at cold start by the
//! functions that need them, each group with one `GetSecretValue` call [issue 14]. A function's
//! environment holds only the secrets' ARNs (`*_SECRET_ARN`); its policy lets it read exactly the
//! groups its row of the functions' registry names (a test compares the two).
//!
//! Each group is one secret whose value is a JSON object of strings (the keys below). The token
//! keys carry a key id (`kid`, in every token's header): `current_*` signs and verifies,
//! `previous_*` and `next_*` (both optional) only verify, which is how the key rotates (README).

use crate::adapters::dynamo::RequestCounter;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fmt;

/// A secret group: its logical id in template.yaml (and its local name in the emulator), the
/// environment variable that holds its ARN, and the keys of its JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretGroup {
    pub bit: u16,
    pub logical_id: &'static str,
    pub env_var: &'static str,
    /// The keys a value must have (the optional ones are not listed).
    pub keys: &'static [&'static str],
    /// What it is, for the README and error messages.
    pub about: &'static str,
}

pub const TOKEN_KEYS: SecretGroup = SecretGroup {
    bit: 1,
    logical_id: "TokenKeysSecret",
    env_var: "TOKEN_KEYS_SECRET_ARN",
    keys: &["current_kid", "current_key"],
    about: "the HMAC keys that sign access tokens (current; previous and next only verify)",
};
pub const HASH_PEPPER: SecretGroup = SecretGroup {
    bit: 2,
    logical_id: "HashPepperSecret",
    env_var: "HASH_PEPPER_SECRET_ARN",
    keys: &["pepper"],
    about: "the pepper of the keyed hashes of personal data (never changes)",
};
pub const MESSAGING: SecretGroup = SecretGroup {
    bit: 4,
    logical_id: "MessagingSecret",
    env_var: "MESSAGING_SECRET_ARN",
    keys: &["sms_api_key", "email_api_key"],
    about: "the SMS and email providers' API keys",
};
pub const FACE: SecretGroup = SecretGroup {
    bit: 8,
    logical_id: "FaceSecret",
    env_var: "FACE_SECRET_ARN",
    keys: &["api_key", "callback_secret"],
    about: "the face-check provider's API key and the secret that signs its result callbacks",
};
pub const BANK_CARD: SecretGroup = SecretGroup {
    bit: 16,
    logical_id: "BankCardSecret",
    env_var: "BANK_CARD_SECRET_ARN",
    keys: &["api_key"],
    about: "the bank-card check provider's API key",
};
pub const RESOURCES: SecretGroup = SecretGroup {
    bit: 32,
    logical_id: "ResourcesSecret",
    env_var: "RESOURCES_SECRET_ARN",
    keys: &["api_key"],
    about: "the API key of the platform's directory of servers, domains and ICP filings",
};
pub const ENTERPRISE: SecretGroup = SecretGroup {
    bit: 64,
    logical_id: "EnterpriseSecret",
    env_var: "ENTERPRISE_SECRET_ARN",
    keys: &["registry_api_key", "payout_api_key", "risk_api_key", "payout_callback_secret", "bank_notify_secret"],
    about: "the business registry's, payout provider's and risk rules' API keys, and the secrets that sign the payout callbacks and the bank's inbound-transfer notifications",
};
pub const OAUTH: SecretGroup = SecretGroup {
    bit: 128,
    logical_id: "OAuthSecret",
    env_var: "OAUTH_SECRET_ARN",
    keys: &[],
    about: "the identity providers' client secrets (`wechat_client_secret`, `qq_client_secret`, `weibo_client_secret`, each for a provider whose client id is set)",
};

/// Every group.
pub const GROUPS: [SecretGroup; 8] =
    [TOKEN_KEYS, HASH_PEPPER, MESSAGING, FACE, BANK_CARD, RESOURCES, ENTERPRISE, OAUTH];

/// A set of secret groups (what a function needs).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct SecretSet(pub u16);

impl SecretSet {
    pub const NONE: SecretSet = SecretSet(0);
    pub const ALL: SecretSet = SecretSet(255);

    pub const fn of(groups: &[SecretGroup]) -> SecretSet {
        let mut bits = 0;
        let mut i = 0;
        while i < groups.len() {
            bits |= groups[i].bit;
            i += 1;
        }
        SecretSet(bits)
    }

    pub const fn with(self, group: SecretGroup) -> SecretSet {
        SecretSet(self.0 | group.bit)
    }

    pub const fn contains(self, group: SecretGroup) -> bool {
        self.0 & group.bit != 0
    }

    /// The groups in the set, in [`GROUPS`] order.
    pub fn groups(self) -> impl Iterator<Item = SecretGroup> {
        GROUPS.into_iter().filter(move |g| self.contains(*g))
    }
}

impl fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.groups().map(|g| g.logical_id)).finish()
    }
}

/// Where each group is: its ARN in AWS (from `*_SECRET_ARN`), its name locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretIds(pub HashMap<&'static str, String>);

impl SecretIds {
    /// Locally: the groups' logical ids, the names the local provisioning gives them.
    pub fn local() -> SecretIds {
        SecretIds(GROUPS.iter().map(|g| (g.logical_id, g.logical_id.to_owned())).collect())
    }

    pub fn id(&self, group: SecretGroup) -> Option<&str> {
        self.0.get(group.logical_id).map(String::as_str)
    }
}

/// The values of the groups a function read. `Debug` prints no value.
#[derive(Clone, Default)]
pub struct SecretValues {
    groups: HashMap<&'static str, HashMap<String, String>>,
}

impl fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.groups.keys()).finish()
    }
}

/// The keys that sign and verify access tokens, by key id.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKeys {
    /// Signs new tokens (and verifies).
    pub current: (String, Vec<u8>),
    /// Verify only: the key before a rotation, and the one about to become current.
    pub others: Vec<(String, Vec<u8>)>,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("current_kid", &self.current.0)
            .field("other_kids", &self.others.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

/// The smallest length of a key or a shared secret.
pub const MIN_SECRET_BYTES: usize = 32;

impl SecretValues {
    /// Values given directly (tests).
    pub fn from_groups(groups: impl IntoIterator<Item = (SecretGroup, HashMap<String, String>)>) -> SecretValues {
        SecretValues { groups: groups.into_iter().map(|(g, v)| (g.logical_id, v)).collect() }
    }

    pub fn has(&self, group: SecretGroup) -> bool {
        self.groups.contains_key(group.logical_id)
    }

    /// A value of a group that was read (`None`: the group was not read, or lacks the key).
    pub fn get(&self, group: SecretGroup, key: &str) -> Option<&str> {
        self.groups.get(group.logical_id)?.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The same values restricted to `set`.
    pub fn restricted(&self, set: SecretSet) -> SecretValues {
        SecretValues {
            groups: self
                .groups
                .iter()
                .filter(|(id, _)| set.groups().any(|g| g.logical_id == **id))
                .map(|(id, v)| (*id, v.clone()))
                .collect(),
        }
    }

    /// The token keys, if read.
    pub fn token_keys(&self) -> Option<TokenKeys> {
        let pair = |prefix: &str| {
            Some((
                self.get(TOKEN_KEYS, &format!("{prefix}_kid"))?.to_owned(),
                self.get(TOKEN_KEYS, &format!("{prefix}_key"))?.as_bytes().to_vec(),
            ))
        };
        Some(TokenKeys {
            current: pair("current")?,
            others: ["previous", "next"].into_iter().filter_map(pair).collect(),
        })
    }

    /// Checks a read group's value: every required key set, keys and shared secrets long enough.
    fn check(group: SecretGroup, value: &HashMap<String, String>) -> Result<()> {
        let bad = |why: String| Error::internal("a secret's value is not usable", why);
        for key in group.keys {
            if value.get(*key).is_none_or(|v| v.is_empty()) {
                return Err(bad(format!("{} has no `{key}`", group.logical_id)));
            }
        }
        for (key, v) in value {
            let is_key = key.ends_with("_key") && !key.ends_with("api_key");
            // The providers' own API keys and client secrets are as long as they make them.
            let shared_secret = key.ends_with("secret") && !key.ends_with("client_secret");
            if (is_key || shared_secret || key == "pepper") && !v.is_empty() && v.len() < MIN_SECRET_BYTES {
                return Err(bad(format!("{}'s `{key}` is shorter than {MIN_SECRET_BYTES} bytes", group.logical_id)));
            }
        }
        Ok(())
    }
}

/// Reads the groups in `set` from Secrets Manager (the emulator's locally): one `GetSecretValue`
/// per group, all at once. A group without an id, or whose value is not a JSON object of strings
/// with its keys, stops the start.
pub async fn load(
    sdk: &aws_config::SdkConfig,
    ids: &SecretIds,
    set: SecretSet,
    counter: &RequestCounter,
) -> Result<SecretValues> {
    if set == SecretSet::NONE {
        return Ok(SecretValues::default());
    }
    let client = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(sdk).interceptor(counter.clone()).build(),
    );
    let reads = set.groups().map(|group| {
        let client = client.clone();
        async move {
            let id = ids.id(group).ok_or_else(|| {
                Error::internal("a secret's ARN is not configured", format!("{} is not set", group.env_var))
            })?;
            let out = client.get_secret_value().secret_id(id).send().await.map_err(|e| {
                Error::internal(
                    "read a secret from Secrets Manager",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                )
            })?;
            let text = out.secret_string().ok_or_else(|| {
                Error::internal(
                    "read a secret from Secrets Manager",
                    format!("{} has no string value", group.logical_id),
                )
            })?;
            let value: HashMap<String, String> = serde_json::from_str(text).map_err(|_| {
                Error::internal(
                    "a secret's value is not usable",
                    format!("{} is not a JSON object of strings", group.logical_id),
                )
            })?;
            SecretValues::check(group, &value)?;
            Ok::<_, Error>((group.logical_id, value))
        }
    });
    let groups = futures::future::try_join_all(reads).await?;
    Ok(SecretValues { groups: groups.into_iter().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn sets_and_groups() {
        let set = SecretSet::of(&[HASH_PEPPER, FACE]);
        assert!(set.contains(FACE) && set.contains(HASH_PEPPER) && !set.contains(TOKEN_KEYS));
        assert_eq!(format!("{set:?}"), r#"["HashPepperSecret", "FaceSecret"]"#);
        assert_eq!(SecretSet::of(&GROUPS), SecretSet::ALL);
        let bits: u16 = GROUPS.iter().map(|g| g.bit).sum();
        assert_eq!(bits, 255, "one bit per group");
    }

    #[test]
    fn values_are_checked_and_never_printed() {
        let long = "k".repeat(40);
        assert!(SecretValues::check(TOKEN_KEYS, &map(&[("current_kid", "2026-11"), ("current_key", &long)])).is_ok());
        assert!(SecretValues::check(TOKEN_KEYS, &map(&[("current_kid", "2026-11")])).is_err());
        assert!(SecretValues::check(TOKEN_KEYS, &map(&[("current_kid", "a"), ("current_key", "short")])).is_err());
        assert!(SecretValues::check(HASH_PEPPER, &map(&[("pepper", "short")])).is_err());
        assert!(SecretValues::check(MESSAGING, &map(&[("sms_api_key", "s"), ("email_api_key", "e")])).is_ok());
        let values = SecretValues::from_groups([(
            TOKEN_KEYS,
            map(&[("current_kid", "new"), ("current_key", &long), ("previous_kid", "old"), ("previous_key", &long)]),
        )]);
        let keys = values.token_keys().unwrap();
        assert_eq!(keys.current.0, "new");
        assert_eq!(keys.others.len(), 1);
        assert!(!format!("{values:?}{keys:?}").contains("kkkk"));
        assert!(values.restricted(SecretSet::of(&[HASH_PEPPER])).token_keys().is_none());
    }
}
