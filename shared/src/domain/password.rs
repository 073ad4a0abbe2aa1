//! Password policy [REG-6]: 8-64 characters, not the username, not a well-known password.
//! The shipped list holds the 30,000 most common passwords (zxcvbn's frequency list, lower-cased).

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 64;

static COMMON_LIST: &str = include_str!("../../data/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_LIST.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// How many passwords the shipped list refuses.
pub fn common_password_count() -> usize {
    common_passwords().len()
}

/// A password as typed: never printed.
#[derive(Clone, serde::Deserialize)]
#[serde(from = "String")]
pub struct Password(String);

impl Password {
    pub fn new(raw: String) -> Self {
        Password(raw)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Password {
    fn from(raw: String) -> Self {
        Password(raw)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    #[error("must be {MIN_LEN}-{MAX_LEN} characters")]
    Length,
    #[error("must not be the username or contain it")]
    ContainsUsername,
    #[error("is too common; choose a password that is not on lists of well-known passwords")]
    TooCommon,
    #[error("must mix at least two of: letters, digits, symbols")]
    TooSimple,
}

impl PasswordRejection {
    pub fn reason_code(self) -> &'static str {
        match self {
            PasswordRejection::Length => "LENGTH",
            PasswordRejection::ContainsUsername => "CONTAINS_USERNAME",
            PasswordRejection::TooCommon => "TOO_COMMON",
            PasswordRejection::TooSimple => "TOO_SIMPLE",
        }
    }
}

/// Checks a new password against the policy. `username_key` is the lower-cased username.
pub fn check_policy(password: &Password, username_key: &str) -> Result<(), PasswordRejection> {
    let pw = password.expose();
    let len = pw.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(PasswordRejection::Length);
    }
    let lower = pw.to_lowercase();
    if !username_key.is_empty() && lower.contains(username_key) {
        return Err(PasswordRejection::ContainsUsername);
    }
    if common_passwords().contains(lower.as_str()) {
        return Err(PasswordRejection::TooCommon);
    }
    let classes = [
        pw.chars().any(|c| c.is_alphabetic()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|x| **x).count() < 2 {
        return Err(PasswordRejection::TooSimple);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pw: &str, user: &str) -> Result<(), PasswordRejection> {
        check_policy(&Password::new(pw.into()), user)
    }

    #[test]
    fn ships_at_least_ten_thousand_common_passwords() {
        assert!(common_password_count() >= 10_000);
    }

    #[test]
    fn applies_each_rule() {
        assert_eq!(check("Short1!", "bob1"), Err(PasswordRejection::Length));
        assert_eq!(check(&"a1".repeat(33), "bob1"), Err(PasswordRejection::Length));
        assert_eq!(check("xxAlice-2024", "alice"), Err(PasswordRejection::ContainsUsername));
        assert_eq!(check("Password123", "bob1"), Err(PasswordRejection::TooCommon));
        assert_eq!(check("QWERTYUIOP", "bob1"), Err(PasswordRejection::TooCommon));
        assert_eq!(check("onlyletterszz", "bob1"), Err(PasswordRejection::TooSimple));
        assert_eq!(check("Velvet-Harbor-42", "bob1"), Ok(()));
    }

    #[test]
    fn never_prints() {
        assert!(!format!("{:?}", Password::new("Velvet-Harbor-42".into())).contains("Velvet"));
    }
}
