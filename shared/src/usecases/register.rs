//! Registering a cloud account [REG-1, REG-2, REG-5, REG-6].

use super::codes;
use crate::crypto::password;
use crate::domain::account::MAX_CLOUD_ACCOUNTS_PER_PHONE;
use crate::domain::agreements::{self, Acceptance, AgreementRef};
use crate::domain::code::{Code, Purpose};
use crate::domain::ids::new_account_id;
use crate::domain::password::{check_policy, Password};
use crate::domain::phone::Phone;
use crate::domain::session::DEFAULT_IDLE_TIMEOUT;
use crate::domain::username::Username;
use crate::error::{Error, Result};
use crate::ports::{NewCloudAccount, RegisterOutcome};
use crate::services::Services;
use chrono::{DateTime, Utc};

#[derive(Debug)]
pub struct RegisterCloudAccount {
    pub username: Username,
    pub password: Password,
    pub phone: Phone,
    pub challenge_id: String,
    pub code: Code,
    pub agreements: Vec<AgreementRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub account_id: String,
    pub username: String,
    pub phone_masked: String,
    pub created_at: DateTime<Utc>,
    pub agreements: Vec<Acceptance>,
}

pub async fn register_cloud_account(services: &Services, request: RegisterCloudAccount) -> Result<Registered> {
    let now = services.clock.now();
    let accepted = agreements::accept_required(&request.agreements, now)
        .map_err(|missing| Error::AgreementsRequired { missing })?;
    let username_key = request.username.key();
    check_policy(&request.password, &username_key).map_err(Error::WeakPassword)?;
    let password_hash = password::hash(&request.password).await?;
    let account = NewCloudAccount {
        account_id: new_account_id(),
        username: request.username.as_str().into(),
        username_key,
        password_hash,
        phone_hash: codes::phone_target(services, &request.phone),
        phone_encrypted: services.keys.encrypt(request.phone.as_e164())?,
        phone_masked: request.phone.masked(),
        created_at: now,
        agreements: accepted,
        idle_timeout_secs: DEFAULT_IDLE_TIMEOUT.num_seconds(),
        legacy: false,
    };
    let proof = codes::proof(
        services,
        &request.challenge_id,
        &request.code,
        Purpose::Register,
        &codes::phone_target(services, &request.phone),
        now,
    );
    match services.accounts.register(&account, Some(&proof), MAX_CLOUD_ACCOUNTS_PER_PHONE).await? {
        RegisterOutcome::Registered => Ok(Registered {
            account_id: account.account_id,
            username: account.username,
            phone_masked: account.phone_masked,
            created_at: now,
            agreements: account.agreements,
        }),
        RegisterOutcome::CodeRejected => Err(codes::refusal(services, &request.challenge_id, now).await?),
        RegisterOutcome::UsernameTaken => Err(Error::UsernameTaken),
        RegisterOutcome::PhoneLimitReached => Err(Error::PhoneAccountLimit),
    }
}
