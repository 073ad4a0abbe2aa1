//! Cloud accounts [REG-1, REG-2]: what is stored and what the owner may read.

use super::agreements::Acceptance;
use chrono::{DateTime, Utc};

/// At most 10 cloud accounts per phone number [REG-2].
pub const MAX_CLOUD_ACCOUNTS_PER_PHONE: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    Cloud,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Cloud => "cloud",
        }
    }
}

/// The owner's view of an account (phone masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub account_id: String,
    pub kind: AccountKind,
    pub username: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub activated: bool,
    pub verification: &'static str,
    pub agreements: Vec<Acceptance>,
}
