//! `GET /v1/accounts/me`: the signed-in caller's account, personal data masked, with its
//! verification, student status and entitlements [ACC-1, KYC-P6].

use crate::api::{json_response, ApiResult};
use crate::extract::Authed;
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::account::{AccountKind, AccountView, Profile};
use shared::domain::agreements::Acceptance;
use shared::domain::enterprise::money::Fen;
use shared::domain::enterprise::{Method, OrgType};
use shared::domain::kyc::Entitlements;
use shared::usecases::account::read_my_account;
use std::collections::BTreeMap;

/// The account as its owner sees it.
#[derive(Serialize, JsonSchema)]
pub struct AccountAnswer {
    account_id: String,
    kind: AccountKind,
    /// The cloud username (`null` for a passport account without one).
    username: Option<String>,
    /// The bound phone, masked.
    phone: String,
    created_at: DateTime<Utc>,
    /// False until a passport or legacy account accepts the agreements [REG-4].
    activated: bool,
    verification: Verification,
    student: Option<Student>,
    /// The bound email, masked.
    email: Option<String>,
    profile: Profile,
    notifications: Notifications,
    entitlements: Entitlements,
    /// The balance (recharges are credited to it) [KYC-E6]: CNY with two decimals, e.g. `12.30`,
    /// as every amount of the API.
    balance: String,
    agreements: Vec<Acceptance>,
}

/// Who the account is proven to be, by state.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verification {
    Unverified,
    /// A person [KYC-P1]: name and document number masked.
    Personal {
        method: String,
        name: String,
        document_type: String,
        id_number: String,
        verified_at: DateTime<Utc>,
    },
    /// An organisation [KYC-E7]: its registered name and code are public registry data.
    Enterprise {
        method: Method,
        name: String,
        uscc: String,
        organisation_type: OrgType,
        /// The legal representative's name, masked.
        legal_representative: String,
        verified_at: DateTime<Utc>,
    },
}

/// A verified student [KYC-S].
#[derive(Serialize, JsonSchema)]
pub struct Student {
    school: String,
    major: String,
    level: String,
    expected_graduation: String,
    /// The school email, masked.
    email: String,
    verified_at: DateTime<Utc>,
}

/// SMS notifications per product [ACC-5].
#[derive(Serialize, JsonSchema)]
pub struct Notifications {
    sms: BTreeMap<String, bool>,
}

impl From<AccountView> for AccountAnswer {
    fn from(account: AccountView) -> Self {
        let verification = match (account.enterprise, account.personal) {
            (Some(e), _) => Verification::Enterprise {
                method: e.method,
                name: e.name,
                uscc: e.uscc.as_str().to_owned(),
                organisation_type: e.org_type,
                legal_representative: e.legal_representative_masked,
                verified_at: e.verified_at,
            },
            (None, None) => Verification::Unverified,
            (None, Some(p)) => Verification::Personal {
                method: p.method,
                name: p.name,
                document_type: p.document_type,
                id_number: p.id_number,
                verified_at: p.verified_at,
            },
        };
        AccountAnswer {
            account_id: account.account_id.as_str().to_owned(),
            kind: account.kind,
            username: (!account.username.is_empty()).then_some(account.username),
            phone: account.phone_masked,
            created_at: account.created_at,
            activated: account.activated,
            verification,
            student: account.student.map(|s| Student {
                school: s.school,
                major: s.major,
                level: s.level,
                expected_graduation: s.expected_graduation,
                email: s.email,
                verified_at: s.verified_at,
            }),
            email: account.email,
            profile: account.profile,
            notifications: Notifications { sms: account.sms.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() },
            entitlements: account.entitlements,
            balance: Fen(account.balance_fen).to_string(),
            agreements: account.agreements,
        }
    }
}

pub async fn handle(state: &AppState, Authed(principal): Authed) -> ApiResult {
    let account = read_my_account(&state.services, &principal).await?;
    Ok(json_response(StatusCode::OK, &AccountAnswer::from(account)))
}
