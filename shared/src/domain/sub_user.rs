//! Sub-users [LOGIN-5]: users a main account creates. They sign in through their own entry that
//! names the main account (its AccountId or an alias the main account sets), with a username
//! unique within that main account; the main account's idle timeout applies to them, and it can
//! require 2FA (a virtual MFA device) of them. They reach none of the main account's
//! account-centre routes.

use super::ids::AccountId;
use chrono::{DateTime, Utc};

/// Sub-users a main account may have.
pub const MAX_SUB_USERS: u32 = 100;

/// An alias a main account signs its sub-users in with, instead of its AccountId: 3-32 lowercase
/// letters, digits and hyphens, starting with a letter (so never mistaken for an AccountId, which
/// is 32 hex digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias(String);

impl Alias {
    pub fn parse(raw: &str) -> Result<Alias, &'static str> {
        let raw = raw.trim().to_ascii_lowercase();
        let len = raw.chars().count();
        let valid = (3..=32).contains(&len)
            && raw.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !looks_like_account_id(&raw);
        if valid {
            Ok(Alias(raw))
        } else {
            Err("3-32 lowercase letters, digits and '-', starting with a letter")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the text is an AccountId's form (32 lowercase hex digits).
pub fn looks_like_account_id(raw: &str) -> bool {
    raw.len() == 32 && raw.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// How the sub-user entry names the main account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MainAccount {
    Id(AccountId),
    Alias(Alias),
    /// Neither form: signs in to nothing (after the same work).
    Unknown,
}

impl MainAccount {
    pub fn parse(raw: &str) -> MainAccount {
        let raw = raw.trim().to_ascii_lowercase();
        if looks_like_account_id(&raw) {
            return MainAccount::Id(AccountId::from_raw(raw));
        }
        Alias::parse(&raw).map_or(MainAccount::Unknown, MainAccount::Alias)
    }
}

/// A sub-user as its main account sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubUser {
    pub sub_user_id: AccountId,
    pub username: String,
    pub display_name: Option<String>,
    pub console_access: bool,
    pub enabled: bool,
    pub mfa_bound: bool,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_is_never_an_account_id() {
        assert_eq!(Alias::parse(" Acme-Ops ").unwrap().as_str(), "acme-ops");
        for bad in ["ab", "1acme", "acme_ops", "a".repeat(33).as_str(), "abcdef0123456789abcdef0123456789"] {
            assert!(Alias::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            MainAccount::parse("0123456789abcdef0123456789abcdef"),
            MainAccount::Id(AccountId::from_raw("0123456789abcdef0123456789abcdef"))
        );
        assert_eq!(MainAccount::parse("acme"), MainAccount::Alias(Alias("acme".into())));
        assert_eq!(MainAccount::parse("no spaces"), MainAccount::Unknown);
    }
}
