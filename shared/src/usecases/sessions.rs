//! Checking a session on every call (the authorizer), signing out, and the sessions an owner can
//! see and revoke [LOGIN-4, LOGIN-7].

use super::deps::{HasClock, HasKeys, HasSessions};
use crate::domain::ids::{AccountId, SessionId};
use crate::domain::session::Principal;
use crate::error::{Error, Result};
use crate::ports::SessionInfo;

/// Verifies the token and that its session is alive (not signed out, not idle past its timeout,
/// of its account's current generation): one strongly consistent read. Activity is marked (a
/// write that moves the idle deadline on) at most once a minute [LOGIN-4, issue 15].
pub async fn authorize(deps: &(impl HasClock + HasKeys + HasSessions), bearer_token: &str) -> Result<Principal> {
    let now = deps.clock().now();
    let claims = deps.keys().verify_token(bearer_token, now.timestamp())?.ok_or(Error::Unauthenticated)?;
    let (session_id, account_id) = (SessionId::from_raw(claims.sid), AccountId::from_raw(claims.sub));
    let (session, generation) =
        deps.sessions().session(&session_id, &account_id).await?.ok_or(Error::Unauthenticated)?;
    if !session.liveness.alive(generation, now) {
        return Err(Error::Unauthenticated);
    }
    if session.liveness.mark_due(now) && !deps.sessions().mark_active(&session, now).await? {
        return Err(Error::Unauthenticated);
    }
    Ok(Principal {
        account_id: session.account_id,
        session_id: session.session_id,
        credential: session.credential,
        step_up_until: session.step_up_until,
        activation_pending: session.activation_pending,
    })
}

/// Ends the caller's session at once: its token is refused from the next call on.
pub async fn sign_out(deps: &impl HasSessions, principal: &Principal) -> Result<()> {
    deps.sessions().revoke(&principal.session_id, &principal.account_id).await
}

/// The caller's live sessions, newest first, with the current one marked.
pub async fn list_sessions(
    deps: &(impl HasClock + HasSessions),
    principal: &Principal,
) -> Result<Vec<(SessionInfo, bool)>> {
    let sessions = deps.sessions().list(&principal.account_id, &principal.session_id, deps.clock().now()).await?;
    Ok(sessions
        .into_iter()
        .map(|s| {
            let current = s.session_id == principal.session_id;
            (s, current)
        })
        .collect())
}

/// Revokes one of the caller's sessions (another account's session id changes nothing).
pub async fn revoke_session(deps: &impl HasSessions, principal: &Principal, session_id: &SessionId) -> Result<()> {
    deps.sessions().revoke(session_id, &principal.account_id).await
}

/// Revokes every session of the caller but the current one, whatever their number (the account
/// moves to its next session generation, the current session with it); returns how many.
pub async fn revoke_other_sessions(deps: &(impl HasClock + HasSessions), principal: &Principal) -> Result<usize> {
    let now = deps.clock().now();
    deps.sessions()
        .revoke_others(&principal.account_id, &principal.credential, &principal.session_id, now)
        .await?
        .ok_or(Error::Unauthenticated)
}
