//! Email addresses [ACC-3, STU-1].

use std::fmt;

#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let e = raw.trim();
        let Some((local, domain)) = e.rsplit_once('@') else { return Err("must be an email address".into()) };
        let ok = e.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && e.chars().all(|c| c.is_ascii_graphic())
            && !local.contains('@');
        if !ok {
            return Err("must be an email address".into());
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `l***@pku.edu.cn`
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        format!("{}@{domain}", super::identity::mask_middle(local, 1, 1))
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Email::parse(&raw)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_masks() {
        let e = Email::parse(" Li.Lei@PKU.edu.cn ").unwrap();
        assert_eq!(e.as_str(), "Li.Lei@pku.edu.cn");
        assert_eq!(e.masked(), "L****i@pku.edu.cn");
        for bad in ["", "a", "a@b", "@b.c", "a@.c", "a b@c.d", "a@b.c."] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            if let Ok(e) = Email::parse(&s) {
                let _ = e.masked();
            }
        }
    }
}
