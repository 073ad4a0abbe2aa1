//! Sub-users of a main account [LOGIN-5]. Each is a credential of its own
//! (`CredentialRef::SubUser`) whose account id is the sub-user's id (its sessions and session
//! generation are its own); the main account keeps a directory of them with its settings.

use crate::domain::ids::AccountId;
use crate::domain::redacted::Redacted;
use crate::domain::sub_user::SubUser;
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A main account's sub-users (id -> username) and what applies to all of them.
#[derive(Debug, Clone, Default)]
pub struct SubUserDirectory {
    pub users: BTreeMap<AccountId, String>,
    pub require_mfa: bool,
    pub alias: Option<String>,
    /// The sub-users may register passkeys and sign in with them [KEY-1].
    pub passkeys_allowed: bool,
}

#[derive(Debug, Clone)]
pub struct NewSubUser {
    pub main: AccountId,
    pub sub_user_id: AccountId,
    /// The username key (lower case), unique within the main account.
    pub username: String,
    pub display_name: Option<String>,
    pub password_hash: Redacted<String>,
    pub console_access: bool,
    pub created_at: DateTime<Utc>,
    /// The main account's, at creation (kept in step with it afterwards), read from its
    /// credential (`main_credential`).
    pub idle_timeout_secs: i64,
    pub main_credential: crate::domain::login::CredentialRef,
    pub require_mfa: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateSubUserOutcome {
    Created,
    NameTaken,
    LimitReached,
    /// The main account was deleted meanwhile.
    MainAccountGone,
    /// The sub-users' 2FA rule or the main account's idle timeout changed since they were read
    /// (read them again and retry).
    RuleChanged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasOutcome {
    Set,
    /// Another main account has it.
    Taken,
    /// The alias changed since it was read: read it again.
    Raced,
}

/// A change the main account makes to one sub-user.
#[derive(Debug, Clone)]
pub enum SubUserChange {
    /// Disabled: its sessions end at once and it cannot sign in.
    Enabled(bool),
    /// A new password set by the main account: its sessions end at once.
    Password(Redacted<String>),
    /// Its virtual MFA device (and recovery codes) removed, for one it lost: its sessions end at
    /// once. No change (`false`) when it has none.
    RemoveMfaDevice,
}

#[async_trait]
pub trait SubUserStore: Send + Sync {
    /// The main account's directory (empty when it has none).
    async fn directory(&self, main: &AccountId) -> Result<SubUserDirectory>;
    /// In one transaction: the sub-user's credential (its name unique within the main account)
    /// and its entry in the directory (within `cap`).
    async fn create(&self, sub_user: &NewSubUser, cap: u32) -> Result<CreateSubUserOutcome>;
    /// The named sub-users of the main account, as stored.
    async fn sub_users(&self, main: &AccountId, names: &[String]) -> Result<Vec<SubUser>>;
    /// Applies a change to the sub-user (only if it is `sub_user_id`, still of this main account)
    /// and ends its sessions, in one transaction: `false` when there is no such sub-user.
    async fn change(
        &self,
        main: &AccountId,
        name: &str,
        sub_user_id: &AccountId,
        change: SubUserChange,
    ) -> Result<bool>;
    /// Deletes the sub-user and its directory entry and ends its sessions, in one transaction.
    async fn delete(&self, main: &AccountId, name: &str, sub_user_id: &AccountId) -> Result<bool>;
    /// Requires 2FA of every sub-user, or stops requiring it.
    async fn set_require_mfa(&self, main: &AccountId, require: bool) -> Result<()>;
    /// Allows (or no longer allows) the sub-users passkeys [KEY-1].
    async fn set_passkeys_allowed(&self, main: &AccountId, allowed: bool) -> Result<()>;
    /// Sets (or clears) the alias, only over `old` (the alias read).
    async fn set_alias(&self, main: &AccountId, old: Option<&str>, new: Option<&str>) -> Result<AliasOutcome>;
    /// The main account an alias names.
    async fn main_of_alias(&self, alias: &str) -> Result<Option<AccountId>>;
    /// The main account's idle timeout applied to each sub-user [LOGIN-5].
    async fn set_idle_timeout(&self, main: &AccountId, secs: i64) -> Result<()>;
}
