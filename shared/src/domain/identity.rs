//! Identity documents and names for personal real-name verification [KYC-P2, KYC-P5].
//!
//! - Mainland resident ID card: 18 characters, a known province code, a real birth date and the
//!   GB 11643-1999 check digit.
//! - Hong Kong / Macao residents' mainland travel permit: `H` or `M` and 8 digits; Taiwan
//!   residents' permit: 8 digits.
//! - Foreigner's permanent residence ID card: the 2023 format (18 characters starting `9`, birth
//!   date and GB 11643 check digit) or the older 15-character format (3-letter nationality,
//!   2-digit region, `YYMMDD` birth date, 4 more digits).
//! - Passport of a Chinese citizen settled abroad: `E` + 8 digits, `E` + letter + 7 digits, or
//!   `G` + 8 digits.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Minimum age for verification where the document encodes the birth date [KYC-P5].
pub const MINIMUM_AGE: u32 = 14;

#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    #[default]
    MainlandIdCard,
    HkMacaoTaiwanPermit,
    ForeignPermanentResidence,
    ChinesePassportAbroad,
}

impl DocumentType {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::MainlandIdCard => "mainland_id_card",
            DocumentType::HkMacaoTaiwanPermit => "hk_macao_taiwan_permit",
            DocumentType::ForeignPermanentResidence => "foreign_permanent_residence",
            DocumentType::ChinesePassportAbroad => "chinese_passport_abroad",
        }
    }
}

const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

/// The GB 11643-1999 check character of the first 17 digits.
pub fn gb11643_check(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECKS: &[u8; 11] = b"10X98765432";
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    Some(CHECKS[(sum % 11) as usize] as char)
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A valid identity document number of its type. Never printed in full.
#[derive(Clone, PartialEq, Eq)]
pub struct IdDocument {
    kind: DocumentType,
    number: String,
    birth_date: Option<NaiveDate>,
}

impl IdDocument {
    pub fn parse(kind: DocumentType, raw: &str) -> Result<Self, String> {
        let number: String = raw.trim().chars().filter(|c| *c != ' ').collect::<String>().to_ascii_uppercase();
        if !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("may contain only letters and digits".into());
        }
        let birth_date = match kind {
            DocumentType::MainlandIdCard => Some(check_18(&number, false)?),
            DocumentType::ForeignPermanentResidence if number.len() == 18 => Some(check_18(&number, true)?),
            DocumentType::ForeignPermanentResidence => {
                let b = number.as_bytes();
                if number.len() != 15 || !b[..3].iter().all(u8::is_ascii_uppercase) || !digits(&number[3..]) {
                    return Err("must be 18 characters starting 9, or 3 letters and 12 digits".into());
                }
                let field = |range: std::ops::Range<usize>| number[range].parse::<u32>().map_err(|e| e.to_string());
                let (yy, mm, dd) =
                    (i32::try_from(field(5..7)?).map_err(|e| e.to_string())?, field(7..9)?, field(9..11)?);
                // The older cards were issued from 2004: a two-digit year after the issue year's is the 1900s.
                let year = if 2000 + yy > chrono::Utc::now().year() { 1900 + yy } else { 2000 + yy };
                Some(date(year, mm, dd).ok_or("has an impossible birth date")?)
            }
            DocumentType::HkMacaoTaiwanPermit => {
                let ok = (number.len() == 9 && matches!(number.as_bytes()[0], b'H' | b'M') && digits(&number[1..]))
                    || (number.len() == 8 && digits(&number));
                if !ok {
                    return Err("must be H or M and 8 digits (Hong Kong, Macao) or 8 digits (Taiwan)".into());
                }
                None
            }
            DocumentType::ChinesePassportAbroad => {
                let b = number.as_bytes();
                let ok = number.len() == 9
                    && ((matches!(b[0], b'E' | b'G') && digits(&number[1..]))
                        || (b[0] == b'E' && b[1].is_ascii_uppercase() && digits(&number[2..])));
                if !ok {
                    return Err("must be E or G and 8 digits, or E, a letter and 7 digits".into());
                }
                None
            }
        };
        Ok(IdDocument { kind, number, birth_date })
    }

    pub fn kind(&self) -> DocumentType {
        self.kind
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.birth_date
    }

    /// Full years of age on `today`, where the document encodes the birth date.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        let born = self.birth_date?;
        let mut age = today.year() - born.year();
        if (today.month(), today.day()) < (born.month(), born.day()) {
            age -= 1;
        }
        Some(u32::try_from(age).unwrap_or(0))
    }

    /// What a response may show: the first 3 and last 4 characters, e.g. `110***********1234`.
    pub fn masked(&self) -> String {
        mask_middle(&self.number, 3, 4)
    }
}

fn check_18(number: &str, foreign: bool) -> Result<NaiveDate, String> {
    if number.len() != 18 || !digits(&number[..17]) {
        return Err("must be 17 digits and a check character".into());
    }
    if foreign && !number.starts_with('9') {
        return Err("a permanent residence card number of 18 characters starts with 9".into());
    }
    if !foreign && !PROVINCES.contains(&number[..2].parse().unwrap_or(0)) {
        return Err("has an unknown region code".into());
    }
    let born = date(
        number[6..10].parse().unwrap_or(0),
        number[10..12].parse().unwrap_or(0),
        number[12..14].parse().unwrap_or(0),
    )
    .ok_or("has an impossible birth date")?;
    if gb11643_check(&number[..17]) != number.chars().nth(17) {
        return Err("has a wrong check digit".into());
    }
    Ok(born)
}

/// Keeps `head` leading and `tail` trailing characters, stars in between.
pub fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

impl fmt::Debug for IdDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdDocument({:?}, {})", self.kind, self.masked())
    }
}

/// A person's name as on the document: 2-60 characters of letters (any script), spaces, `·`, `.`,
/// `-` and `'`. Never printed in full.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        let len = name.chars().count();
        if !(2..=60).contains(&len) {
            return Err("must be 2-60 characters".into());
        }
        if !name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '·' | '.' | '-' | '\'')) {
            return Err("may contain only letters, spaces and · . - '".into());
        }
        if !name.chars().next().is_some_and(char::is_alphabetic) {
            return Err("must start with a letter".into());
        }
        Ok(PersonName(name.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The first character, the rest as stars: `张*`, `J*******`.
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let first = chars.next().unwrap_or('*');
        format!("{first}{}", "*".repeat(chars.count().clamp(1, 8)))
    }
}

impl TryFrom<String> for PersonName {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        PersonName::parse(&raw)
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", gb11643_check(first17).unwrap())
    }

    #[test]
    fn gb11643_known_numbers() {
        // The standard's own example and a well-known X case.
        assert_eq!(gb11643_check("11010519491231002"), Some('X'));
        assert_eq!(gb11643_check("44052418800101001"), Some('4'));
        assert!(IdDocument::parse(DocumentType::MainlandIdCard, "11010519491231002X").is_ok());
        assert!(IdDocument::parse(DocumentType::MainlandIdCard, "11010519491231002x").is_ok());
        assert!(IdDocument::parse(DocumentType::MainlandIdCard, "110105194912310021").is_err());
    }

    #[test]
    fn mainland_card_rules() {
        let ok = IdDocument::parse(DocumentType::MainlandIdCard, "11010519491231002X").unwrap();
        assert_eq!(ok.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(ok.masked(), "110***********002X");
        assert!(!format!("{ok:?}").contains("19491231"));
        assert!(IdDocument::parse(DocumentType::MainlandIdCard, &with_check("99010519491231002")).is_err(), "region");
        assert!(
            IdDocument::parse(DocumentType::MainlandIdCard, &with_check("11010519490231002")).is_err(),
            "31 February... no: 1949-02-31"
        );
        assert!(IdDocument::parse(DocumentType::MainlandIdCard, "1101051949123100").is_err(), "length");
    }

    #[test]
    fn age_is_counted_in_full_years() {
        let d = IdDocument::parse(DocumentType::MainlandIdCard, &with_check("11010520120615002")).unwrap();
        assert_eq!(d.age_on(NaiveDate::from_ymd_opt(2026, 6, 14).unwrap()), Some(13));
        assert_eq!(d.age_on(NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()), Some(14));
    }

    #[test]
    fn other_documents() {
        assert!(IdDocument::parse(DocumentType::HkMacaoTaiwanPermit, "H12345678").is_ok());
        assert!(IdDocument::parse(DocumentType::HkMacaoTaiwanPermit, "12345678").is_ok());
        assert!(IdDocument::parse(DocumentType::HkMacaoTaiwanPermit, "X12345678").is_err());
        assert!(IdDocument::parse(DocumentType::ChinesePassportAbroad, "E12345678").is_ok());
        assert!(IdDocument::parse(DocumentType::ChinesePassportAbroad, "EA1234567").is_ok());
        assert!(IdDocument::parse(DocumentType::ChinesePassportAbroad, "P12345678").is_err());
        let old = IdDocument::parse(DocumentType::ForeignPermanentResidence, "USA117812310010").unwrap();
        assert_eq!(old.birth_date(), NaiveDate::from_ymd_opt(1978, 12, 31));
        let new = IdDocument::parse(DocumentType::ForeignPermanentResidence, &with_check("93310019800101001")).unwrap();
        assert_eq!(new.birth_date(), NaiveDate::from_ymd_opt(1980, 1, 1));
        assert!(IdDocument::parse(DocumentType::ForeignPermanentResidence, &with_check("11010519800101001")).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(PersonName::parse(" 张三 ").unwrap().masked(), "张*");
        assert_eq!(PersonName::parse("阿依古丽·买买提").unwrap().expose(), "阿依古丽·买买提");
        assert!(PersonName::parse("John O'Neil-Smith").is_ok());
        assert!(PersonName::parse("x").is_err());
        assert!(PersonName::parse("Robert'); DROP").is_err());
        assert!(!format!("{:?}", PersonName::parse("张三丰").unwrap()).contains("三丰"));
    }

    proptest! {
        #[test]
        fn every_valid_mainland_number_round_trips(region in prop::sample::select(PROVINCES.to_vec()), rest in 0u32..10_000, y in 1930i32..2012, m in 1u32..=12, d in 1u32..=28, seq in 0u32..1000) {
            let first17 = format!("{region:02}{rest:04}{y:04}{m:02}{d:02}{seq:03}");
            let number = with_check(&first17);
            let doc = IdDocument::parse(DocumentType::MainlandIdCard, &number).unwrap();
            prop_assert_eq!(doc.number(), number.as_str());
            prop_assert_eq!(doc.birth_date(), NaiveDate::from_ymd_opt(y, m, d));
            // Any single changed check character is refused.
            let last = number.chars().last().unwrap();
            for c in "0123456789X".chars().filter(|c| *c != last) {
                let wrong = format!("{first17}{c}");
                prop_assert!(IdDocument::parse(DocumentType::MainlandIdCard, &wrong).is_err());
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,24}") {
            for kind in [DocumentType::MainlandIdCard, DocumentType::HkMacaoTaiwanPermit, DocumentType::ForeignPermanentResidence, DocumentType::ChinesePassportAbroad] {
                let _ = IdDocument::parse(kind, &s);
            }
            let _ = PersonName::parse(&s);
        }
    }
}
