//! A password sign-in waiting for its second factor [LOGIN-3], as a stored flow:
//!
//! ```text
//! open(tries 0..5) --try--> open(tries+1) --finish--> finished
//!    '-- 5 tries used: refused;  5 minutes: expired
//! ```

use super::flow::Progress;
use super::ids::AccountId;
use super::login::CredentialRef;
use super::security::MAX_SECOND_FACTOR_ATTEMPTS;
use super::session::SignInMethod;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub account_id: AccountId,
    pub credential: CredentialRef,
    pub idle_timeout_secs: i64,
    /// False for a passport or legacy account that must still accept the agreements [REG-4].
    pub activated: bool,
    pub expires_at: DateTime<Utc>,
    pub progress: Progress,
    /// How the first factor was given (password, SMS code, QR code) [LOGIN-2, LOGIN-3].
    #[serde(default = "password")]
    pub method: SignInMethod,
    /// The account's session generation when the first factor passed: signing out everywhere
    /// before the second factor ends the pending sign-in too [issue 15].
    #[serde(default)]
    pub session_generation: u64,
}

fn password() -> SignInMethod {
    SignInMethod::Password
}

crate::tried_flow!(PendingSignIn, super::flow::FlowKind::SignIn, MAX_SECOND_FACTOR_ATTEMPTS);
