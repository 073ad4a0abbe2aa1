//! Small amounts of CNY in whole fen (0.01 CNY): the random amounts of the corporate transfer
//! (0.01-1.00) and of the recharge (0.01-0.99) [KYC-E5, KYC-E6], drawn from the operating system's
//! CSPRNG and written the way a bank statement shows them (`0.37`).

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Fen(pub u64);

/// The corporate transfer pays 0.01-1.00 CNY [KYC-E5].
pub const TRANSFER_RANGE: (Fen, Fen) = (Fen(1), Fen(100));
/// The recharge asks for 0.01-0.99 CNY [KYC-E6] (more than zero, less than one).
pub const RECHARGE_RANGE: (Fen, Fen) = (Fen(1), Fen(99));

/// The largest amount a form or a notification may carry (a recharge is credited whatever it is).
const MAX_FEN: u64 = 100_000_000_000;

impl Fen {
    /// A uniformly random amount within `range` (inclusive), from the OS CSPRNG.
    pub fn draw(range: (Fen, Fen)) -> Fen {
        Fen(rand::rngs::OsRng.gen_range(range.0 .0..=range.1 .0))
    }

    /// `0.37`, `1`, `1.0`, `¥0.05`: yuan with at most two decimals. Refuses negative, empty and
    /// over-precise amounts.
    pub fn parse(text: &str) -> Option<Fen> {
        let text = text.trim().trim_start_matches(['¥', '￥']).trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if fraction.len() > 2 || whole.len() > 12 {
            return None;
        }
        let yuan: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let fen: u64 = format!("{fraction:0<2}").parse().ok()?;
        let total = yuan.checked_mul(100)?.checked_add(fen)?;
        (total <= MAX_FEN).then_some(Fen(total))
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_read_as_a_bank_statement_writes_them() {
        assert_eq!(Fen::parse("0.37"), Some(Fen(37)));
        assert_eq!(Fen::parse("0.5"), Some(Fen(50)));
        assert_eq!(Fen::parse("1"), Some(Fen(100)));
        assert_eq!(Fen::parse("1.00"), Some(Fen(100)));
        assert_eq!(Fen::parse("¥0.05"), Some(Fen(5)));
        assert_eq!(Fen::parse(".9"), Some(Fen(90)));
        for bad in ["", ".", "-0.3", "0.375", "abc", "0,37", "1e2", "0.3.1"] {
            assert_eq!(Fen::parse(bad), None, "{bad}");
        }
        assert_eq!(Fen(7).to_string(), "0.07");
        assert_eq!(Fen(100).to_string(), "1.00");
    }

    #[test]
    fn draws_cover_the_whole_range_and_nothing_outside() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..20_000 {
            let f = Fen::draw(TRANSFER_RANGE);
            assert!((1..=100).contains(&f.0));
            seen.insert(f.0);
            assert!((1..=99).contains(&Fen::draw(RECHARGE_RANGE).0));
        }
        assert_eq!(seen.len(), 100, "every amount from 0.01 to 1.00 is drawn");
    }

    proptest! {
        #[test]
        fn an_amount_reads_back_as_written(fen in 0u64..10_000_000) {
            prop_assert_eq!(Fen::parse(&Fen(fen).to_string()), Some(Fen(fen)));
        }

        #[test]
        fn parsing_never_panics(text in ".{0,30}") {
            let _ = Fen::parse(&text);
        }
    }
}
