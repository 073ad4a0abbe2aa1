//! Cloud-account usernames [REG-1, REG-5]: unique case-insensitively, never reused, never changed.

use std::fmt;

pub const MIN_LEN: usize = 4;
pub const MAX_LEN: usize = 32;

/// A valid username as the user typed it (case kept for display).
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(format!("must be {MIN_LEN}-{MAX_LEN} characters"));
        }
        let mut chars = raw.chars();
        if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
            return Err("must start with a letter".into());
        }
        if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
            return Err("may contain only letters, digits, '_', '-' and '.'".into());
        }
        Ok(Username(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive key that makes usernames unique.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl TryFrom<String> for Username {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Username::parse(&raw)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Username").field(&self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_typical_names_and_keys_them_case_insensitively() {
        let u = Username::parse("Alice_Ops-1").unwrap();
        assert_eq!(u.key(), "alice_ops-1");
        assert_eq!(u.as_str(), "Alice_Ops-1");
    }

    #[test]
    fn refuses_bad_names() {
        for bad in ["abc", "1abc", "_abc", "ab cd", "a".repeat(33).as_str(), "名字名字", ""] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepted_names_are_well_formed(s in "\\PC{0,40}") {
            if let Ok(u) = Username::parse(&s) {
                prop_assert!(u.as_str().len() >= MIN_LEN && u.as_str().len() <= MAX_LEN);
                prop_assert!(u.key().chars().all(|c| !c.is_ascii_uppercase()));
            }
        }
    }
}
