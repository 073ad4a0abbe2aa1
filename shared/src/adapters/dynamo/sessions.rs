//! Sessions and each account's session generation [LOGIN-4, LOGIN-7, issue 15].
//!
//! The authorizer reads a session and its account's generation item in one strongly consistent
//! request, and marks activity (a write) at most once a minute. Signing out everywhere moves the
//! generation on (one transaction, whatever the number of sessions): a session of an older
//! generation is signed out at once. The credential item carries a copy of the generation, moved
//! in the same transaction, so that a sign-in (which reads the credential anyway) knows the
//! generation its session is born in. Sessions are listed through an index sorted by the time
//! each ends unless used (`live_until`), so ended sessions are never read; TTL removes them.

use super::flows::deadline_text_of;
use super::tx::Tx;
use super::{fault, get_n, get_s, keys, n, s, store_fault, DynamoStore, Item};
use crate::domain::ids::{AccountId, SessionId};
use crate::domain::login::CredentialRef;
use crate::domain::session::Liveness;
use crate::error::{Error, Result};
use crate::ports::{NewSession, SessionInfo, SessionRecord, SessionStore};
use crate::tables::SESSIONS;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, Update};
use chrono::{DateTime, Utc};

/// Lost races tolerated while moving a generation on (each means another sign-out happened).
const MAX_RACES: usize = 8;

/// The guards of moving an account's session generation on (signing out the other sessions, or
/// every session).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SignOut {
    /// The account's generation is the one seen (returns it); none when signing out everywhere.
    Generation,
    /// The credential is this account's.
    Credential,
    /// The kept session is this account's and in the generation seen (returns it).
    Kept,
}

fn generation_of(item: &Item) -> u64 {
    get_n(item, "generation").and_then(|g| u64::try_from(g).ok()).unwrap_or(0)
}

fn liveness(item: &Item) -> Option<Liveness> {
    Some(Liveness {
        idle_deadline: get_n(item, "idle_deadline")?,
        expires_at: get_n(item, "expires_at")?,
        last_marked: DateTime::parse_from_rfc3339(get_s(item, "last_seen_at")?).ok()?.with_timezone(&Utc),
        generation: generation_of(item),
    })
}

fn record(item: &Item) -> Option<SessionRecord> {
    Some(SessionRecord {
        session_id: SessionId::from_raw(get_s(item, "session_id")?),
        account_id: AccountId::from_raw(get_s(item, "account_id")?),
        credential: get_s(item, "credential")?.parse().ok()?,
        idle_timeout_secs: get_n(item, "idle_timeout_secs")?,
        step_up_until: get_n(item, "step_up_until").and_then(|t| DateTime::from_timestamp(t, 0)),
        activation_pending: item.get("activation_pending").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        liveness: liveness(item)?,
    })
}

/// The index sort key and TTL of a session: it ends at its idle deadline or at the end of its
/// lifetime, whichever comes first (unless used before).
fn ends(idle_deadline: i64, expires_at: i64) -> (AttributeValue, AttributeValue) {
    let end = idle_deadline.min(expires_at);
    (s(deadline_text_of(DateTime::from_timestamp(end, 0).unwrap_or_default())), n(end))
}

/// A new session's item, born in the account's generation read with its credential.
pub(crate) fn session_item(session: &NewSession) -> Item {
    let idle_deadline = session.created_at.timestamp() + session.idle_timeout_secs;
    let (live_until, ttl) = ends(idle_deadline, session.expires_at.timestamp());
    [
        ("pk", s(keys::session(&session.session_id))),
        ("session_id", s(session.session_id.as_str())),
        ("account_id", s(session.account_id.as_str())),
        ("credential", s(session.credential.to_string())),
        ("method", s(session.method.as_str())),
        ("user_agent", s(&session.user_agent)),
        ("created_at", s(session.created_at.to_rfc3339())),
        ("last_seen_at", s(session.created_at.to_rfc3339())),
        ("idle_timeout_secs", n(session.idle_timeout_secs)),
        ("idle_deadline", n(idle_deadline)),
        ("expires_at", n(session.expires_at.timestamp())),
        ("ends_at", s(deadline_text_of(session.expires_at))),
        ("live_until", live_until),
        ("ttl", ttl),
        ("activation_pending", AttributeValue::Bool(session.activation_pending)),
        ("generation", AttributeValue::N(session.generation.to_string())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn generation_value(g: u64) -> AttributeValue {
    AttributeValue::N(g.to_string())
}

impl DynamoStore {
    /// The write that moves an account's (or a sub-user's) session generation on: every session
    /// born in an older one is signed out at once. The credential's copy moves with it, in the
    /// caller's transaction.
    pub(crate) fn next_generation(&self, account_id: &AccountId) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session_generation(account_id)))
            .update_expression("ADD generation :one")
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(fault("build move generation"))
    }

    /// The write that creates a session (in the transaction of its sign-in step).
    pub(crate) fn session_put(&self, session: &NewSession) -> Result<Put> {
        Put::builder()
            .table_name(&self.tables.sessions)
            .set_item(Some(session_item(session)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put session"))
    }

    /// The write that records a passed second factor on a session [MFA-2].
    pub(crate) fn step_up_update(
        &self,
        session_id: &SessionId,
        account_id: &AccountId,
        until: DateTime<Utc>,
    ) -> Result<Update> {
        Update::builder()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .update_expression("SET step_up_until = :until")
            .condition_expression("account_id = :account")
            .expression_attribute_values(":until", n(until.timestamp()))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .build()
            .map_err(fault("build grant step-up"))
    }

    /// The account's session items that have not ended by `now` (the index skips the others),
    /// whatever their generation.
    async fn live_sessions(&self, account_id: &AccountId, now: DateTime<Utc>) -> Result<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(&self.tables.sessions)
            .index_name(SESSIONS.indexes[0].name)
            .key_condition_expression("account_id = :a AND live_until > :now")
            .expression_attribute_values(":a", s(account_id.as_str()))
            .expression_attribute_values(":now", s(deadline_text_of(now)));
        self.query_all(query, "list sessions").await
    }

    /// Moves the account's generation from `seen` to the next, with the credential's copy and
    /// the kept session: `Ok(None)` when done, `Ok(Some((account's, kept's)))` with the
    /// generations found when they were not `seen` (`None` for a kept session that is gone).
    async fn move_generation(
        &self,
        account_id: &AccountId,
        credential: &CredentialRef,
        keep: &SessionId,
        seen: u64,
    ) -> Result<Option<(u64, Option<u64>)>> {
        let (next, account) = (generation_value(seen + 1), s(account_id.as_str()));
        let was_seen =
            if seen == 0 { "(attribute_not_exists(generation) OR generation = :seen)" } else { "generation = :seen" };
        let generation = Update::builder()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session_generation(account_id)))
            .update_expression("SET generation = :next")
            .condition_expression(was_seen)
            .expression_attribute_values(":next", next.clone())
            .expression_attribute_values(":seen", generation_value(seen))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(fault("build move generation"))?;
        let copy = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::credential(credential)))
            .update_expression("SET session_generation = :next")
            .condition_expression("account_id = :account")
            .expression_attribute_values(":next", next.clone())
            .expression_attribute_values(":account", account.clone())
            .build()
            .map_err(fault("build move credential's generation"))?;
        let kept = Update::builder()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(keep)))
            .update_expression("SET generation = :next")
            .condition_expression(format!("account_id = :account AND {was_seen}"))
            .expression_attribute_values(":next", next)
            .expression_attribute_values(":seen", generation_value(seen))
            .expression_attribute_values(":account", account)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(fault("build keep session"))?;
        let tx = Tx::new()
            .update(SignOut::Generation, generation)
            .update(SignOut::Credential, copy)
            .update(SignOut::Kept, kept);
        let Err(cancelled) = self.commit(tx).await? else { return Ok(None) };
        if cancelled.failed(SignOut::Credential) {
            return Err(Error::internal("sign out other sessions", "the credential is not this account's"));
        }
        let account_now = if cancelled.failed(SignOut::Generation) {
            cancelled.item(SignOut::Generation).map_or(0, generation_of)
        } else {
            seen
        };
        let kept_now = if cancelled.failed(SignOut::Kept) {
            cancelled
                .item(SignOut::Kept)
                .filter(|i| get_s(i, "account_id") == Some(account_id.as_str()))
                .map(generation_of)
        } else {
            Some(seen)
        };
        Ok(Some((account_now, kept_now)))
    }
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn session(&self, session_id: &SessionId, account_id: &AccountId) -> Result<Option<(SessionRecord, u64)>> {
        let (session_key, generation_key) = (keys::session(session_id), keys::session_generation(account_id));
        let wanted =
            [(self.tables.sessions.as_str(), session_key.clone()), (self.tables.sessions.as_str(), generation_key)];
        let items = self.batch_get(&wanted, "read session").await?;
        let session = items.iter().find(|i| get_s(i, "pk") == Some(session_key.as_str())).and_then(record);
        let current = items.iter().find(|i| get_s(i, "pk") != Some(session_key.as_str())).map_or(0, generation_of);
        Ok(session.filter(|s| &s.account_id == account_id).map(|s| (s, current)))
    }

    async fn mark_active(&self, session: &SessionRecord, now: DateTime<Utc>) -> Result<bool> {
        let idle_deadline = now.timestamp() + session.idle_timeout_secs;
        let (live_until, ttl) = ends(idle_deadline, session.liveness.expires_at);
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(&session.session_id)))
            .update_expression("SET last_seen_at = :now_s, idle_deadline = :deadline, live_until = :live, #ttl = :ttl")
            .condition_expression("account_id = :account AND idle_deadline = :seen")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now_s", s(now.to_rfc3339()))
            .expression_attribute_values(":deadline", n(idle_deadline))
            .expression_attribute_values(":live", live_until)
            .expression_attribute_values(":ttl", ttl)
            .expression_attribute_values(":seen", n(session.liveness.idle_deadline))
            .expression_attribute_values(":account", s(session.account_id.as_str()))
            .send()
            .await;
        if super::written(result, "mark session active")? {
            return Ok(true);
        }
        // Another call marked it first (fine), or it was signed out meanwhile (rare path: read).
        Ok(self.get(&self.tables.sessions, keys::session(&session.session_id), "read session").await?.is_some())
    }

    async fn revoke(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .condition_expression("account_id = :account")
            .expression_attribute_values(":account", s(account_id.as_str()))
            .send()
            .await;
        super::written(result, "revoke session")?;
        Ok(())
    }

    async fn set_idle_timeout(
        &self,
        session_id: &SessionId,
        account_id: &AccountId,
        secs: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let deadline = now.timestamp() + secs;
        let (live_until, ttl) = ends(deadline, i64::MAX);
        // The session ends at the new idle deadline, or at the end of its lifetime if that comes
        // first (then its `ends_at`).
        for (ends_at_deadline, condition) in
            [(true, "account_id = :account AND expires_at > :deadline"), (false, "account_id = :account")]
        {
            let mut update = self
                .client
                .update_item()
                .table_name(&self.tables.sessions)
                .key("pk", s(keys::session(session_id)))
                .condition_expression(condition)
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":secs", n(secs))
                .expression_attribute_values(":deadline", n(deadline))
                .expression_attribute_values(":account", s(account_id.as_str()));
            update = if ends_at_deadline {
                update
                    .update_expression(
                        "SET idle_timeout_secs = :secs, idle_deadline = :deadline, live_until = :live, #ttl = :ttl",
                    )
                    .expression_attribute_values(":live", live_until.clone())
                    .expression_attribute_values(":ttl", ttl.clone())
            } else {
                update.update_expression(
                    "SET idle_timeout_secs = :secs, idle_deadline = :deadline, live_until = ends_at, #ttl = expires_at",
                )
            };
            if super::written(update.send().await, "set the session's idle timeout")? {
                return Ok(());
            }
        }
        Ok(())
    }

    async fn clear_activation(&self, session_id: &SessionId, account_id: &AccountId) -> Result<()> {
        self.client
            .update_item()
            .table_name(&self.tables.sessions)
            .key("pk", s(keys::session(session_id)))
            .update_expression("SET activation_pending = :no")
            .condition_expression("account_id = :account")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .send()
            .await
            .map_err(store_fault("clear activation"))?;
        Ok(())
    }

    async fn grant_step_up(&self, session_id: &SessionId, account_id: &AccountId, until: DateTime<Utc>) -> Result<()> {
        let u = self.step_up_update(session_id, account_id, until)?;
        self.client
            .update_item()
            .table_name(u.table_name)
            .set_key(Some(u.key))
            .update_expression(u.update_expression)
            .set_condition_expression(u.condition_expression)
            .set_expression_attribute_values(u.expression_attribute_values)
            .send()
            .await
            .map_err(store_fault("grant step-up"))?;
        Ok(())
    }

    async fn list(&self, account_id: &AccountId, current: &SessionId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>> {
        let items = self.live_sessions(account_id, now).await?;
        let generation = items
            .iter()
            .find(|i| get_s(i, "session_id") == Some(current.as_str()))
            .or_else(|| items.iter().max_by_key(|i| generation_of(i)))
            .map_or(0, generation_of);
        let mut sessions: Vec<SessionInfo> = items
            .iter()
            .filter(|i| liveness(i).is_some_and(|l| l.alive(generation, now)))
            .filter_map(|i| {
                Some(SessionInfo {
                    session_id: SessionId::from_raw(get_s(i, "session_id")?),
                    created_at: get_s(i, "created_at")?.into(),
                    last_seen_at: get_s(i, "last_seen_at")?.into(),
                    method: get_s(i, "method").unwrap_or_default().into(),
                    user_agent: get_s(i, "user_agent").unwrap_or_default().into(),
                })
            })
            .collect();
        sessions.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(sessions)
    }

    async fn revoke_others(
        &self,
        account_id: &AccountId,
        credential: &CredentialRef,
        keep: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<Option<usize>> {
        let items = self.live_sessions(account_id, now).await?;
        let kept = items.iter().find(|i| get_s(i, "session_id") == Some(keep.as_str()));
        // The index is eventually consistent: the transaction's conditions decide, and a lost
        // race is answered with the generations found.
        let mut seen = match kept {
            Some(item) => generation_of(item),
            None => match self.get(&self.tables.sessions, keys::session(keep), "read session").await? {
                Some(item) => generation_of(&item),
                None => return Ok(None),
            },
        };
        let signed_out = items
            .iter()
            .filter(|i| get_s(i, "session_id").is_some_and(|id| id != keep.as_str()))
            .filter(|i| liveness(i).is_some_and(|l| l.alive(seen, now)))
            .count();
        for _ in 0..MAX_RACES {
            match self.move_generation(account_id, credential, keep, seen).await? {
                None => return Ok(Some(signed_out)),
                Some((account, Some(kept))) if account == kept => seen = account,
                // The kept session was signed out (or is gone) meanwhile.
                Some(_) => return Ok(None),
            }
        }
        Err(Error::busy("sign out other sessions", "too many concurrent sign-outs"))
    }

    async fn revoke_all(&self, account_id: &AccountId, credential: &CredentialRef) -> Result<()> {
        let generation = self.next_generation(account_id)?;
        let copy = Update::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::credential(credential)))
            .update_expression("ADD session_generation :one")
            .condition_expression("account_id = :account")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":account", s(account_id.as_str()))
            .build()
            .map_err(fault("build move credential's generation"))?;
        let tx = Tx::new().update(SignOut::Generation, generation).update(SignOut::Credential, copy);
        match self.commit(tx).await? {
            Ok(()) => Ok(()),
            Err(_) => Err(Error::internal("sign out every session", "the credential is not this account's")),
        }
    }
}
