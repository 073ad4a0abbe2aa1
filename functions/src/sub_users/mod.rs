//! Sub-users [LOGIN-5]: the main account's management (create, list, enable or disable, reset a
//! password, delete, the entry's alias and the 2FA rule), and the sub-users' own sign-in entry
//! with the device binding a required 2FA may need first.

pub mod manage;
pub mod sign_in;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::sub_user::SubUser;

/// A sub-user as the main account sees it.
#[derive(Serialize, JsonSchema)]
pub struct SubUserAnswer {
    sub_user_id: String,
    username: String,
    display_name: Option<String>,
    /// May sign in to the console.
    console_access: bool,
    enabled: bool,
    mfa_bound: bool,
    created_at: DateTime<Utc>,
}

/// The main account's sub-users and their entry.
#[derive(Serialize, JsonSchema)]
pub struct SubUsersAnswer {
    pub sub_users: Vec<SubUserAnswer>,
    /// Every sub-user must pass a virtual MFA device at sign-in.
    pub require_mfa: bool,
    /// The alias the entry accepts instead of the AccountId.
    pub alias: Option<String>,
    /// The sub-users may register passkeys and sign in with them [KEY-1].
    pub passkeys_allowed: bool,
    pub sign_in: SignInEntry,
    pub max_sub_users: u32,
}

/// Where sub-users sign in, and the account name they give there.
#[derive(Serialize, JsonSchema)]
pub struct SignInEntry {
    pub path: String,
    pub account: String,
}

/// The entry's settings now.
#[derive(Serialize, JsonSchema)]
pub struct SettingsAnswer {
    pub require_mfa: bool,
    pub alias: Option<String>,
    pub passkeys_allowed: bool,
}

pub(crate) fn sub_user_body(u: &SubUser) -> SubUserAnswer {
    SubUserAnswer {
        sub_user_id: u.sub_user_id.as_str().to_owned(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        console_access: u.console_access,
        enabled: u.enabled,
        mfa_bound: u.mfa_bound,
        created_at: u.created_at,
    }
}
