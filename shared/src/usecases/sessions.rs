//! Checking a session on every call (the authorizer) and signing out [LOGIN-4, LOGIN-7].

use crate::domain::session::Principal;
use crate::error::{Error, Result};
use crate::services::Services;

/// Verifies the token and that its session is alive (not signed out, not idle past its timeout),
/// and marks the session active: one conditional write.
pub async fn authorize(services: &Services, bearer_token: &str) -> Result<Principal> {
    let now = services.clock.now();
    let claims = services
        .keys
        .verify_token(bearer_token, now.timestamp())
        .ok_or(Error::Unauthenticated)?;
    let session = services
        .sessions
        .touch(&claims.sid, &claims.sub, now)
        .await?
        .ok_or(Error::Unauthenticated)?;
    Ok(Principal {
        account_id: session.account_id,
        session_id: session.session_id,
    })
}

/// Ends the caller's session at once: its token is refused from the next call on.
pub async fn sign_out(services: &Services, principal: &Principal) -> Result<()> {
    services
        .sessions
        .revoke(&principal.session_id, &principal.account_id)
        .await
}
