//! Cloud accounts [REG-1, REG-2, ACC-1]: what the owner may read.

use super::agreements::Acceptance;
use super::kyc::Entitlements;
use chrono::{DateTime, Utc};

/// At most 10 cloud accounts per phone number [REG-2].
pub const MAX_CLOUD_ACCOUNTS_PER_PHONE: u32 = 10;

/// A phone number registers one passport account but may be bound to up to 5 [REG-3] (the seed:
/// 一个手机号码可以注册一个百度账号，但是可以绑定5个百度账号); SMS sign-in with it reaches only one.
pub const MAX_PASSPORT_ACCOUNTS_PER_PHONE: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Cloud,
    Passport,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Cloud => "cloud",
            AccountKind::Passport => "passport",
        }
    }
}

/// A phone number or email as stored: encrypted, masked for display, keyed hash for look-ups.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealedContact {
    pub encrypted: String,
    pub masked: String,
    pub hash: String,
}

impl std::fmt::Debug for SealedContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedContact").field("masked", &self.masked).finish_non_exhaustive()
    }
}

/// Basic information the owner may edit [ACC-1].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Profile {
    pub display_name: Option<String>,
    pub company: Option<String>,
    pub contact_address: Option<String>,
}

/// The verified person, as the owner sees it: masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalView {
    pub method: String,
    pub name: String,
    pub document_type: String,
    pub id_number: String,
    pub verified_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentView {
    pub school: String,
    pub major: String,
    pub level: String,
    pub expected_graduation: String,
    pub email: String,
    pub verified_at: DateTime<Utc>,
}

/// The owner's view of an account (personal data masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountView {
    pub account_id: super::ids::AccountId,
    pub kind: AccountKind,
    pub username: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub activated: bool,
    pub personal: Option<PersonalView>,
    /// The verified organisation (its name and code are public registry data) [KYC-E7].
    pub enterprise: Option<super::enterprise::EnterpriseIdentity>,
    /// The balance in fen (recharges are credited to it) [KYC-E6].
    pub balance_fen: u64,
    pub student: Option<StudentView>,
    pub entitlements: Entitlements,
    pub agreements: Vec<Acceptance>,
    /// The bound email, masked.
    pub email: Option<String>,
    pub profile: Profile,
    /// SMS notifications per product [ACC-5].
    pub sms: std::collections::BTreeMap<&'static str, bool>,
}
