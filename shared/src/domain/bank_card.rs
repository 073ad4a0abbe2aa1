//! UnionPay bank cards for personal verification [KYC-P3]: 16-19 digits, a UnionPay prefix
//! (62 or 81) and a valid Luhn check digit.

use std::fmt;

#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct BankCard(String);

pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else { return false };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

impl BankCard {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let n: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !(16..=19).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err("must be 16-19 digits".into());
        }
        if !(n.starts_with("62") || n.starts_with("81")) {
            return Err("only UnionPay cards are accepted".into());
        }
        if !luhn_valid(&n) {
            return Err("is not a valid card number (check digit)".into());
        }
        Ok(BankCard(n))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `622202******1234`
    pub fn masked(&self) -> String {
        super::identity::mask_middle(&self.0, 6, 4)
    }
}

impl TryFrom<String> for BankCard {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        BankCard::parse(&raw)
    }
}

impl fmt::Debug for BankCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankCard({})", self.masked())
    }
}

/// Appends the Luhn check digit (for building test numbers).
pub fn with_luhn(prefix: &str) -> String {
    #[allow(clippy::expect_used, reason = "exactly one check digit of ten makes a Luhn-valid number")]
    (0..10).map(|d| format!("{prefix}{d}")).find(|n| luhn_valid(n)).expect("one digit fits")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unionpay_and_luhn() {
        assert!(luhn_valid("4111111111111111"));
        let card = with_luhn("622202000000000000");
        assert_eq!(BankCard::parse(&card).unwrap().masked(), format!("622202*********{}", &card[15..]));
        assert!(BankCard::parse("4111111111111111").unwrap_err().contains("UnionPay"));
        let mut wrong = card.clone().into_bytes();
        wrong[18] = if wrong[18] == b'9' { b'0' } else { wrong[18] + 1 };
        assert!(BankCard::parse(&String::from_utf8(wrong).unwrap()).is_err());
        assert!(!format!("{:?}", BankCard::parse(&card).unwrap()).contains("000000000"));
    }

    proptest! {
        #[test]
        fn luhn_completion_is_always_accepted(body in "62[0-9]{14,16}") {
            prop_assert!(BankCard::parse(&with_luhn(&body)).is_ok());
        }

        #[test]
        fn a_changed_digit_is_caught(body in "62[0-9]{15}", pos in 2usize..17, delta in 1u32..10) {
            let card = with_luhn(&body);
            let mut digits: Vec<u32> = card.chars().map(|c| c.to_digit(10).unwrap()).collect();
            digits[pos] = (digits[pos] + delta) % 10;
            let changed: String = digits.iter().map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(!luhn_valid(&changed));
        }
    }
}
