use super::tx::Tx;
use super::{fault, get_n, get_s, keys, n, s, DynamoStore, Item};
use crate::domain::code::PHONE_SEND_SPACING;
use crate::domain::ids::ChallengeId;
use crate::error::Result;
use crate::ports::{
    CodeProof, CodeState, CodeStore, IssueOutcome, NewCode, PhoneCeiling, Reservation, SendLimits, StoredCode,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, Update};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// The guards of issuing a code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Issue {
    /// The code under a fresh id.
    Write,
    /// The target's day counter: under its cap and spaced from its last code (returns the counter).
    Target,
    /// The caller's (source's) day counter: under its cap.
    Source,
    /// The phone's day counter, every purpose together: its ceiling, the strangers' share and the
    /// spacing (returns the counter).
    Phone,
}

/// The update that uses a code up if the proof holds; in a transaction with its effect, or alone.
/// The try was reserved before (so `attempts` already counts it).
pub(crate) fn consume_update(table: &str, proof: &CodeProof) -> Result<Update> {
    Update::builder()
        .table_name(table)
        .key("pk", s(keys::code(&proof.challenge_id)))
        .update_expression("SET consumed_at = :now_s")
        .condition_expression(
            "attribute_exists(pk) AND purpose = :purpose AND target_hash = :target AND code_hash = :code \
             AND attempts <= :max AND expires_at > :now AND attribute_not_exists(consumed_at)",
        )
        .expression_attribute_values(":now_s", s(proof.now.to_rfc3339()))
        .expression_attribute_values(":purpose", s(proof.purpose.as_str()))
        .expression_attribute_values(":target", s(&proof.target_hash))
        .expression_attribute_values(":code", s(&proof.code_hash))
        .expression_attribute_values(":max", n(proof.max_attempts.into()))
        .expression_attribute_values(":now", n(proof.now.timestamp()))
        .build()
        .map_err(fault("build consume code"))
}

fn code_state(item: &Item) -> CodeState {
    CodeState {
        attempts: get_n(item, "attempts").and_then(|a| u32::try_from(a).ok()).unwrap_or(0),
        consumed: item.contains_key("consumed_at"),
        expires_at: DateTime::from_timestamp(get_n(item, "expires_at").unwrap_or(0), 0).unwrap_or_default(),
    }
}

/// A code item as stored.
pub(crate) fn stored_code(item: &Item) -> StoredCode {
    StoredCode {
        purpose: get_s(item, "purpose").unwrap_or_default().to_owned(),
        target_hash: get_s(item, "target_hash").unwrap_or_default().to_owned(),
        code_hash: get_s(item, "code_hash").unwrap_or_default().to_owned(),
        state: code_state(item),
    }
}

/// The update that uses a right code up in a step's one write: its try is counted in the same
/// write, under the cap (nothing was reserved before).
pub(crate) fn use_code_update(table: &str, proof: &CodeProof) -> Result<Update> {
    Update::builder()
        .table_name(table)
        .key("pk", s(keys::code(&proof.challenge_id)))
        .update_expression("SET consumed_at = :now_s ADD attempts :one")
        .condition_expression(
            "attribute_exists(pk) AND purpose = :purpose AND target_hash = :target AND code_hash = :code \
             AND attempts < :max AND expires_at > :now AND attribute_not_exists(consumed_at)",
        )
        .expression_attribute_values(":now_s", s(proof.now.to_rfc3339()))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":purpose", s(proof.purpose.as_str()))
        .expression_attribute_values(":target", s(&proof.target_hash))
        .expression_attribute_values(":code", s(&proof.code_hash))
        .expression_attribute_values(":max", n(proof.max_attempts.into()))
        .expression_attribute_values(":now", n(proof.now.timestamp()))
        .build()
        .map_err(fault("build use code"))
}

/// The update that counts a wrong code's try, while it has one left and is unused.
pub(crate) fn count_code_try_update(table: &str, challenge_id: &ChallengeId, max: u32) -> Result<Update> {
    Update::builder()
        .table_name(table)
        .key("pk", s(keys::code(challenge_id)))
        .update_expression("ADD attempts :one")
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(consumed_at) AND attempts < :max")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(max.into()))
        .build()
        .map_err(fault("build count code try"))
}

/// A code as stored: only hashes, no tries yet, kept a day past its expiry.
fn code_item(code: &NewCode) -> Item {
    Item::from([
        ("pk".to_owned(), s(keys::code(&code.challenge_id))),
        ("purpose".to_owned(), s(code.purpose.as_str())),
        ("target_hash".to_owned(), s(&code.target_hash)),
        ("code_hash".to_owned(), s(&code.code_hash)),
        ("attempts".to_owned(), n(0)),
        ("created_at".to_owned(), s(code.created_at.to_rfc3339())),
        ("expires_at".to_owned(), n(code.expires_at.timestamp())),
        ("ttl".to_owned(), n((code.expires_at + Duration::days(1)).timestamp())),
    ])
}

impl DynamoStore {
    /// The phone's day counter, every purpose together [issue 25]: within the day's ceiling; a
    /// stranger's code within the strangers' share and a minute after the phone's last code, an
    /// owner's a minute after the one before the last (two a minute).
    fn phone_ceiling(&self, phone: &PhoneCeiling, day: &str, now: DateTime<Utc>) -> Result<Update> {
        let (spent, spacing) = if phone.owner {
            ("", "(attribute_not_exists(prev_sent) OR prev_sent <= :spaced)")
        } else {
            (
                ", stranger_sends :one",
                "(attribute_not_exists(stranger_sends) OR stranger_sends < :share) AND last_sent <= :spaced",
            )
        };
        let update = Update::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::send_counter(&phone.counter, day)))
            .update_expression(format!(
                "SET prev_sent = if_not_exists(last_sent, :never), last_sent = :now, #ttl = :ttl ADD sends :one{spent}"
            ))
            .condition_expression(format!("attribute_not_exists(pk) OR (sends < :ceiling AND {spacing})"))
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":never", n(0))
            .expression_attribute_values(":ttl", n((now + Duration::days(2)).timestamp()))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ceiling", n(phone.ceiling.into()))
            .expression_attribute_values(":spaced", n((now - PHONE_SEND_SPACING).timestamp()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        let update = if phone.owner {
            update
        } else {
            update.expression_attribute_values(":share", n(phone.stranger_share.into()))
        };
        update.build().map_err(fault("build phone ceiling"))
    }
}

#[async_trait]
impl CodeStore for DynamoStore {
    async fn issue(&self, code: &NewCode, limits: &SendLimits, now: DateTime<Utc>) -> Result<IssueOutcome> {
        let counters_ttl = n((now + Duration::days(2)).timestamp());
        let put_code = Put::builder()
            .table_name(&self.tables.flows)
            .set_item(Some(code_item(code)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build put code"))?;
        let target_counter = Update::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::send_counter(&limits.target, &limits.day)))
            .update_expression("SET last_sent = :now, #ttl = :ttl ADD sends :one")
            .condition_expression("attribute_not_exists(pk) OR (sends < :cap AND last_sent <= :spaced)")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(":ttl", counters_ttl.clone())
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(limits.target_daily_cap.into()))
            .expression_attribute_values(":spaced", n((now - limits.spacing).timestamp()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(fault("build target counter"))?;
        let source_counter = Update::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::send_counter(&limits.source, &limits.day)))
            .update_expression("SET #ttl = :ttl ADD sends :one")
            .condition_expression("attribute_not_exists(pk) OR sends < :cap")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":ttl", counters_ttl)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":cap", n(limits.source_daily_cap.into()))
            .build()
            .map_err(fault("build source counter"))?;
        let mut tx = Tx::new()
            .put(Issue::Write, put_code)
            .update(Issue::Target, target_counter)
            .update(Issue::Source, source_counter);
        if let Some(phone) = &limits.phone {
            tx = tx.update(Issue::Phone, self.phone_ceiling(phone, &limits.day, now)?);
        }
        let Err(cancelled) = self.commit(tx).await? else {
            return Ok(IssueOutcome::Issued);
        };
        // The caller's own budget first: a caller who spent it learns nothing of the target's
        // counters (which a recovery's code may have moved) from which limit is named.
        if cancelled.failed(Issue::Source) {
            return Ok(IssueOutcome::SourceDailyCapReached);
        }
        if cancelled.failed(Issue::Phone) {
            let old = cancelled.item(Issue::Phone).cloned().unwrap_or_default();
            let owner = limits.phone.as_ref().is_some_and(|p| p.owner);
            let spent = |name| get_n(&old, name).unwrap_or(0);
            let (ceiling, share) = limits.phone.as_ref().map_or((0, 0), |p| (p.ceiling, p.stranger_share));
            if spent("sends") >= i64::from(ceiling) || (!owner && spent("stranger_sends") >= i64::from(share)) {
                return Ok(IssueOutcome::TargetDailyCapReached);
            }
            // Spaced from the last code (a stranger's), or from the one before it (the owner's).
            let last = get_n(&old, if owner { "prev_sent" } else { "last_sent" });
            let last_sent = last.and_then(|t| DateTime::from_timestamp(t, 0)).unwrap_or(now);
            return Ok(IssueOutcome::TargetTooSoon { last_sent });
        }
        if cancelled.failed(Issue::Target) {
            let old = cancelled.item(Issue::Target);
            let sends = old.and_then(|i| get_n(i, "sends")).unwrap_or(0);
            if sends >= i64::from(limits.target_daily_cap) {
                return Ok(IssueOutcome::TargetDailyCapReached);
            }
            let last_sent =
                old.and_then(|i| get_n(i, "last_sent")).and_then(|t| DateTime::from_timestamp(t, 0)).unwrap_or(now);
            return Ok(IssueOutcome::TargetTooSoon { last_sent });
        }
        Err(crate::Error::internal("issue code", "transaction cancelled without a failed condition"))
    }

    async fn plant_decoy(&self, code: &NewCode) -> Result<()> {
        let put = Put::builder()
            .table_name(&self.tables.flows)
            .set_item(Some(code_item(code)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build decoy code"))?;
        // Not written only when its (random) id is taken: a decoy is never looked up by anyone.
        self.send_put(put, "plant decoy code").await?;
        Ok(())
    }

    async fn reserve_try(&self, challenge_id: &ChallengeId, max_attempts: u32) -> Result<Reservation> {
        let key = keys::code(challenge_id);
        let condition = "attribute_exists(pk) AND attribute_not_exists(consumed_at) AND attempts < :max";
        let values = HashMap::from([(":max".to_owned(), n(max_attempts.into()))]);
        let old = match self.count_once(&self.tables.flows, key.clone(), condition, values, "reserve code try").await? {
            Ok(item) => return Ok(Reservation::Reserved(stored_code(&item))),
            Err(Some(old)) => Some(old),
            // No old item: the code is gone, or the store did not return it (read it then).
            Err(None) => self.get(&self.tables.flows, key, "read code").await?,
        };
        // Refused: the code's state says why (gone, used or out of tries).
        Ok(Reservation::Refused(old.as_ref().filter(|i| get_s(i, "pk").is_some()).map(code_state)))
    }

    async fn consume(&self, proof: &CodeProof) -> Result<bool> {
        let u = consume_update(&self.tables.flows, proof)?;
        self.send_update(u, "consume code").await
    }
}
