//! What a person signs in with, and the credential it stands for [LOGIN-1, LOGIN-2].
//!
//! A cloud account signs in with its username (case-insensitive). A passport account signs in
//! with its phone, its email or its passport username: each is an alias of the one credential of
//! that account. Storage keys for both are rendered by the DynamoDB adapter's key module only.

use super::ids::AccountId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A sign-in name, normalised: usernames lower-cased, phones and emails by their keyed hash
/// (never stored or looked up in clear).
#[derive(Clone, PartialEq, Eq)]
pub enum LoginName {
    /// A cloud account's username key (also any text that is no valid username: it matches nothing).
    Cloud(String),
    /// A passport account's username.
    PassportName(String),
    /// A passport account's phone, by keyed hash.
    Phone(String),
    /// A passport account's email, by keyed hash.
    Email(String),
    /// A sub-user's username within its main account [LOGIN-5].
    SubUser(AccountId, String),
}

impl fmt::Debug for LoginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginName::Cloud(_) => f.write_str("LoginName::Cloud(..)"),
            LoginName::PassportName(_) => f.write_str("LoginName::PassportName(..)"),
            LoginName::Phone(_) => f.write_str("LoginName::Phone(..)"),
            LoginName::Email(_) => f.write_str("LoginName::Email(..)"),
            LoginName::SubUser(..) => f.write_str("LoginName::SubUser(..)"),
        }
    }
}

/// The credential (password, protection settings, MFA device) a session signed in with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CredentialRef {
    /// A cloud account's credential, by its username key.
    Cloud(String),
    /// A passport account's one credential.
    Passport(AccountId),
    /// A sub-user of a main account, by the main account and the sub-user's username [LOGIN-5].
    SubUser(AccountId, String),
}

impl CredentialRef {
    /// The cloud username a new password must not contain; passport credentials have none.
    pub fn cloud_username(&self) -> Option<&str> {
        match self {
            CredentialRef::Cloud(name) => Some(name),
            CredentialRef::SubUser(_, name) => Some(name),
            CredentialRef::Passport(_) => None,
        }
    }

    /// The main account of a sub-user's credential.
    pub fn main_account(&self) -> Option<&AccountId> {
        match self {
            CredentialRef::SubUser(main, _) => Some(main),
            _ => None,
        }
    }

    /// The sign-in name that reads this credential directly.
    pub fn login_name(&self) -> Option<LoginName> {
        match self {
            CredentialRef::Cloud(name) => Some(LoginName::Cloud(name.clone())),
            CredentialRef::Passport(_) => None,
            CredentialRef::SubUser(main, name) => Some(LoginName::SubUser(main.clone(), name.clone())),
        }
    }
}

/// The text form carried in the session item and the authorizer's context: `cloud:<username>` or
/// `passport:<account id>`.
impl fmt::Display for CredentialRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialRef::Cloud(name) => write!(f, "cloud:{name}"),
            CredentialRef::Passport(id) => write!(f, "passport:{id}"),
            CredentialRef::SubUser(main, name) => write!(f, "sub:{main}:{name}"),
        }
    }
}

impl FromStr for CredentialRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("cloud", name)) if !name.is_empty() => Ok(CredentialRef::Cloud(name.to_owned())),
            Some(("passport", id)) if !id.is_empty() => Ok(CredentialRef::Passport(AccountId::from_raw(id))),
            Some(("sub", rest)) => match rest.split_once(':') {
                Some((main, name)) if !main.is_empty() && !name.is_empty() => {
                    Ok(CredentialRef::SubUser(AccountId::from_raw(main), name.to_owned()))
                }
                _ => Err("not a credential reference".into()),
            },
            _ => Err("not a credential reference".into()),
        }
    }
}

impl Serialize for CredentialRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CredentialRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_refs_round_trip_through_their_text_form() {
        for c in [
            CredentialRef::Cloud("alice".into()),
            CredentialRef::Passport(AccountId::from_raw("ab12")),
            CredentialRef::SubUser(AccountId::from_raw("ab12"), "dev-ops".into()),
        ] {
            assert_eq!(c.to_string().parse::<CredentialRef>(), Ok(c));
        }
        assert!("pp:ab12".parse::<CredentialRef>().is_err());
    }
}
