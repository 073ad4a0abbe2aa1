//! The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies an
//! organisation [KYC-E2]: 18 characters from a 31-character alphabet (no I, O, Z, S, V); the
//! first names the registration authority, the second the kind of organisation under it, then the
//! administrative division (6 digits), the organisation code (9) and a check character.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The code's alphabet; a character's value is its position.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weights of the first 17 characters: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).and_then(|p| u32::try_from(p).ok())
}

/// The check character of the first 17 characters (`None` if one is outside the alphabet).
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in bytes.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    ALPHABET.get(usize::try_from(check).ok()?).map(|&c| char::from(c))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("must be 18 characters")]
    Length,
    #[error("may hold only digits and the capital letters A-Y without I, O, S, V and Z")]
    Alphabet,
    #[error("the check character does not match (a character is mistyped)")]
    Check,
}

/// A well-formed unified social credit code (upper case; the check character verified).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(text: &str) -> Result<Uscc, UsccError> {
        let code = text.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(UsccError::Length);
        }
        if !code.bytes().all(|c| value(c).is_some()) {
            return Err(UsccError::Alphabet);
        }
        let (first17, last) = code.split_at(17);
        if check_character(first17).map(String::from).as_deref() != Some(last) {
            return Err(UsccError::Check);
        }
        Ok(Uscc(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration authority and kind (the first two characters), e.g. `91` (market
    /// regulation, enterprise).
    pub fn authority_and_kind(&self) -> &str {
        &self.0[..2]
    }

    /// The organisation code (characters 9-17).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_pass() {
        for code in ["91350100M000100Y43", "91440300708461136T", "91310000MA1FL1MMXL"] {
            assert_eq!(Uscc::parse(code).unwrap().as_str(), code);
        }
        assert_eq!(Uscc::parse(" 91440300708461136t ").unwrap().as_str(), "91440300708461136T");
        assert_eq!(Uscc::parse("91440300708461136").unwrap_err(), UsccError::Length);
        assert_eq!(Uscc::parse("91440300708461136I").unwrap_err(), UsccError::Alphabet);
        assert_eq!(Uscc::parse("91440300708461136A").unwrap_err(), UsccError::Check);
    }

    fn code_char() -> impl Strategy<Value = char> {
        (0usize..31).prop_map(|i| char::from(ALPHABET[i]))
    }

    proptest! {
        #[test]
        fn any_seventeen_characters_with_their_check_character_parse(body in proptest::collection::vec(code_char(), 17)) {
            let first17: String = body.into_iter().collect();
            let code = format!("{first17}{}", check_character(&first17).unwrap());
            let parsed = Uscc::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
        }

        #[test]
        fn one_changed_character_is_caught(body in proptest::collection::vec(code_char(), 17), at in 0usize..18, to in code_char()) {
            let first17: String = body.into_iter().collect();
            let code = format!("{first17}{}", check_character(&first17).unwrap());
            let mut changed: Vec<char> = code.chars().collect();
            prop_assume!(changed[at] != to);
            changed[at] = to;
            let changed: String = changed.into_iter().collect();
            // The weights are powers of 3 modulo the prime 31: a single substitution always
            // changes the sum modulo 31.
            prop_assert_eq!(Uscc::parse(&changed).unwrap_err(), UsccError::Check);
        }

        #[test]
        fn adjacent_swaps_are_caught(body in proptest::collection::vec(code_char(), 17), at in 0usize..16) {
            let first17: String = body.into_iter().collect();
            let code = format!("{first17}{}", check_character(&first17).unwrap());
            let mut swapped: Vec<char> = code.chars().collect();
            prop_assume!(swapped[at] != swapped[at + 1]);
            swapped.swap(at, at + 1);
            let swapped: String = swapped.into_iter().collect();
            prop_assert!(Uscc::parse(&swapped).is_err());
        }

        #[test]
        fn parsing_never_panics(text in ".{0,40}") {
            let _ = Uscc::parse(&text);
        }
    }
}
