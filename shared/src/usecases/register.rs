//! Registering a cloud account [REG-1, REG-2, REG-5, REG-6].

use super::codes;
use super::deps::{HasAccounts, HasClock, HasCodes, HasKeys};
use crate::crypto::password;
use crate::domain::account::MAX_CLOUD_ACCOUNTS_PER_PHONE;
use crate::domain::agreements::{self, Acceptance, AgreementRef};
use crate::domain::code::{Code, Purpose};
use crate::domain::ids::{AccountId, ChallengeId};
use crate::domain::password::{check_policy, Password};
use crate::domain::phone::Phone;
use crate::domain::redacted::Redacted;
use crate::domain::session::DEFAULT_IDLE_TIMEOUT;
use crate::domain::username::Username;
use crate::error::{Error, Result};
use crate::ports::{NewCloudAccount, RegisterOutcome, SealedContact};
use chrono::{DateTime, Utc};

#[derive(Debug)]
pub struct RegisterCloudAccount {
    pub username: Username,
    pub password: Password,
    pub phone: Phone,
    pub challenge_id: ChallengeId,
    pub code: Code,
    pub agreements: Vec<AgreementRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub account_id: AccountId,
    pub username: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
}

pub async fn register_cloud_account(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts),
    request: RegisterCloudAccount,
) -> Result<Registered> {
    let now = deps.clock().now();
    // The request's own fields first, then the agreements.
    let username_key = request.username.key();
    check_policy(&request.password, &username_key).map_err(Error::WeakPassword)?;
    let accepted = agreements::accept_required(&request.agreements, now)
        .map_err(|missing| Error::AgreementsRequired { missing })?;
    let password_hash = password::hash(&request.password).await?;
    let account = NewCloudAccount {
        account_id: AccountId::generate(),
        username: request.username.as_str().into(),
        username_key,
        password_hash: Redacted::new(password_hash),
        phone: SealedContact {
            hash: codes::phone_target(deps, &request.phone),
            encrypted: deps.keys().encrypt(request.phone.as_e164())?,
            masked: request.phone.masked(),
        },
        created_at: now,
        agreements: accepted,
        idle_timeout_secs: DEFAULT_IDLE_TIMEOUT.num_seconds(),
        legacy: false,
    };
    // The code's try is spent before anything else is checked (a refused use spends it too).
    let target = codes::phone_target(deps, &request.phone);
    let proof = codes::check(deps, &request.challenge_id, &request.code, Purpose::Register, &target)
        .await?
        .map_err(codes::refusal_error)?;
    match deps.accounts().register(&account, Some(&proof), MAX_CLOUD_ACCOUNTS_PER_PHONE).await? {
        RegisterOutcome::Registered => Ok(Registered {
            account_id: account.account_id,
            username: account.username,
            phone_masked: account.phone.masked,
            created_at: now,
            agreements: account.agreements,
        }),
        // A parallel use of the same code came first.
        RegisterOutcome::CodeRejected => Err(Error::CodeUsed),
        RegisterOutcome::UsernameTaken => Err(Error::UsernameTaken),
        RegisterOutcome::PhoneLimitReached => Err(Error::PhoneAccountLimit),
    }
}
