//! The banks the corporate transfer can pay into [KYC-E5]: data shipped with the code
//! (`shared/data/banks-cn.json`). Rural commercial banks are filed under their provincial union
//! (the seed: choose the provincial union); a bank not in the list is refused with a suggestion.

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

static DATA: &str = include_str!("../../../data/banks-cn.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Bank {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
struct Filed {
    name: String,
    union: String,
}

#[derive(Debug, Deserialize)]
struct BankList {
    banks: Vec<Bank>,
    filed_under: Vec<Filed>,
}

static LIST: LazyLock<BankList> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "compiled-in data, checked by the unit tests")]
    let list: BankList = serde_json::from_str(DATA).expect("banks-cn.json is valid");
    list
});

/// The supported banks, in the list's order.
pub fn supported() -> &'static [Bank] {
    &LIST.banks
}

/// Why a bank named by a form is refused, with what to choose instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankRefusal {
    /// A rural commercial bank: choose its provincial union (named).
    FiledUnder(&'static Bank),
    /// Not a bank the payout can reach: use another method.
    NotSupported,
}

/// The bank a form names, by code or by its exact name.
pub fn find(code_or_name: &str) -> Result<&'static Bank, BankRefusal> {
    let wanted = code_or_name.trim();
    if let Some(bank) = LIST.banks.iter().find(|b| b.code.eq_ignore_ascii_case(wanted) || b.name == wanted) {
        return Ok(bank);
    }
    let union =
        LIST.filed_under.iter().find(|f| f.name == wanted).and_then(|f| LIST.banks.iter().find(|b| b.code == f.union));
    Err(union.map_or(BankRefusal::NotSupported, BankRefusal::FiledUnder))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_list_is_well_formed() {
        let codes: std::collections::BTreeSet<_> = supported().iter().map(|b| b.code.as_str()).collect();
        assert_eq!(codes.len(), supported().len(), "codes are unique");
        let names: std::collections::BTreeSet<_> = supported().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names.len(), supported().len(), "names are unique");
        for filed in &LIST.filed_under {
            assert!(codes.contains(filed.union.as_str()), "{} is filed under a listed union", filed.name);
            assert!(!names.contains(filed.name.as_str()), "{} is not also listed itself", filed.name);
        }
    }

    #[test]
    fn banks_are_found_by_code_or_name_and_rural_banks_point_to_their_union() {
        assert_eq!(find("icbc").unwrap().name, "中国工商银行");
        assert_eq!(find("招商银行").unwrap().code, "CMB");
        match find("杭州联合农村商业银行") {
            Err(BankRefusal::FiledUnder(union)) => assert_eq!(union.name, "浙江省农村信用社联合社"),
            other => panic!("{other:?}"),
        }
        assert_eq!(find("花旗银行"), Err(BankRefusal::NotSupported));
    }

    proptest! {
        #[test]
        fn any_text_is_found_refused_or_pointed_elsewhere_without_panicking(text in ".{0,20}") {
            match find(&text) {
                Ok(bank) => prop_assert!(bank.code.eq_ignore_ascii_case(text.trim()) || bank.name == text.trim()),
                Err(BankRefusal::FiledUnder(union)) => prop_assert!(union.name.contains("联合社")),
                Err(BankRefusal::NotSupported) => {}
            }
        }
    }
}
