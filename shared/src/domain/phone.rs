//! Phone numbers in E.164 form. Mainland mobile numbers may be typed without `+86`.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let e164 = if let Some(rest) = compact.strip_prefix('+') {
            rest.to_owned()
        } else if compact.len() == 11 && compact.starts_with('1') {
            format!("86{compact}")
        } else {
            return Err("must be a mainland mobile number or +<country code><number>".into());
        };
        if !e164.chars().all(|c| c.is_ascii_digit()) || !(8..=15).contains(&e164.len()) || e164.starts_with('0') {
            return Err("must be a valid phone number".into());
        }
        if let Some(national) = e164.strip_prefix("86") {
            let b = national.as_bytes();
            let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
            if !mobile {
                return Err("must be a mainland mobile number (11 digits starting 13-19)".into());
            }
        }
        Ok(Phone(format!("+{e164}")))
    }

    /// E.164, e.g. `+8613800001234`.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// What a response may show: `+86 138****1234`.
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        let (cc, national) =
            if let Some(n) = digits.strip_prefix("86") { ("86", n) } else { digits.split_at(digits.len().min(2)) };
        let keep_head = 3.min(national.len());
        let keep_tail = 4.min(national.len() - keep_head);
        let hidden = national.len() - keep_head - keep_tail;
        format!("+{cc} {}{}{}", &national[..keep_head], "*".repeat(hidden), &national[national.len() - keep_tail..])
    }
}

impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Phone::parse(&raw)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_mainland_numbers() {
        assert_eq!(Phone::parse("138 0000 1234").unwrap().as_e164(), "+8613800001234");
        assert_eq!(Phone::parse("+8613800001234").unwrap().as_e164(), "+8613800001234");
        assert_eq!(Phone::parse("+85291234567").unwrap().as_e164(), "+85291234567");
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(Phone::parse("13800001234").unwrap().masked(), "+86 138****1234");
        assert!(!format!("{:?}", Phone::parse("13800001234").unwrap()).contains("0000"));
    }

    #[test]
    fn refuses_non_numbers() {
        for bad in ["", "12345", "1380000123x", "+86123", "02112345678", "+8612800001234"] {
            assert!(Phone::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest! {
        #[test]
        fn mainland_mobiles_round_trip(n in "1[3-9][0-9]{9}") {
            let p = Phone::parse(&n).unwrap();
            prop_assert_eq!(p.as_e164(), format!("+86{n}"));
            prop_assert_eq!(Phone::parse(p.as_e164()).unwrap(), p.clone());
            prop_assert!(!p.masked().contains(&n[3..7]) || n[3..7] == n[7..11]);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = Phone::parse(&s);
        }
    }
}
