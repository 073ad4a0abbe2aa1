//! Every DynamoDB key of the account centre, rendered from typed values in this one module.
//! Nothing else formats a key, and nothing parses one back: items carry what they need as
//! attributes of their own.
//!
//! | key                              | table    | item                                          |
//! |----------------------------------|----------|-----------------------------------------------|
//! | `ACCOUNT#<account id>`           | accounts | the account                                   |
//! | `LOGIN#<username>`               | accounts | a cloud account's credential                  |
//! | `LOGIN#pp:<account id>`          | accounts | a passport account's credential               |
//! | `LOGIN#sub:<main>:<name>`        | accounts | a sub-user's credential [LOGIN-5]             |
//! | `SUBUSERS#<main account id>`     | accounts | a main account's sub-users and their settings |
//! | `SUBALIAS#<alias>`               | accounts | the main account an alias names               |
//! | `LOGIN#phone:<hash>` ...         | accounts | a passport sign-in alias (phone, email, name) |
//! | `PHONE#<hash>`                   | accounts | a phone's accounts: counters [REG-2, REG-3]   |
//! | `PASSPORT#<hash>`                | accounts | the passport account a phone signs in to      |
//! | `DOC#<hash>`                     | accounts | a document's verified accounts [KYC-P4]       |
//! | `KYC#bank-card#<account id>`     | accounts | bank-card attempts [KYC-P3]                   |
//! | `KYC#ent-<method>#<account id>`  | accounts | enterprise attempts of a method [KYC-E4..E6]  |
//! | `RECV#<account id>`              | accounts | the account's receiving account [KYC-E6]      |
//! | `RECVNO#<hash>`                  | accounts | a receiving account number's owner            |
//! | `LEDGER#<transfer id>`           | accounts | an inbound transfer credited to a balance     |
//! | `3P#<provider>:<hash>`           | accounts | the account a provider's user is bound to     |
//! | `3PBOUND#<provider>:<account id>` | accounts | an account's binding of a provider [LOGIN-2] |
//! | `PASSKEY#<credential id>`        | accounts | a passkey, its owner and counter [KEY-1]      |
//! | `SESSION#<session id>`           | sessions | a console session                             |
//! | `GENERATION#<account id>`        | sessions | an account's session generation [issue 15]    |
//! | `FLOW#<kind>:<flow id>`          | flows    | a stored flow                                 |
//! | `CODE#<challenge id>`            | flows    | a verification code                           |
//! | `RATE#<counter>#<day>`           | flows    | a daily send counter                          |
//! | `THROTTLE#<window>`              | flows    | a failure window                              |
//! | `SENT#<message id>`              | flows    | an outbox message delivered                   |
//! | `AUDIT#<entry id>`               | flows    | a staff action on a flow (the audit trail)    |
//! | `OPEN#<case kind>:<account id>`  | flows    | an account's one open case of a kind          |
//! | `OPEN#change:<account id>`       | flows    | the account's open (or last) subject change   |
//! | `OPEN#transfer:<account id>`     | flows    | the account's open (or last) transfer application |
//!
//! Index partitions (attributes of the items above, not item keys):
//!
//! | attribute = value                | index     | lists                                       |
//! |----------------------------------|-----------|---------------------------------------------|
//! | `due = DUE#<kind>#<shard>`       | by-deadline | flows with a sweep deadline, by time      |
//! | `list_pk = OWNER#<kind>:<account>` | by-owner | an account's flows of a kind, by time       |
//! | `list_pk = TRAIL#<flow id>`      | by-owner  | a flow's audit trail, by time               |
//! | `staff_pk = STAFF#<kind>#<shard>` | by-queue | flows staff must act on, by due time        |
//! | `staff_pk = DECIDED#<kind>#<day>` | by-queue | flows staff decided that day, by time       |
//!
//! `<shard>` is one of [`INDEX_SHARDS`] by the flow's id: no index partition takes every write of
//! a kind.
//! | `account_id = <account id>`      | live-by-account | an account's sessions, by `live_until` |

#[cfg(test)]
use crate::domain::code::Purpose;
use crate::domain::enterprise::Method;
use crate::domain::flow::FlowKind;
use crate::domain::ids::{AccountId, ChallengeId, FlowId, SessionId};
use crate::domain::login::{CredentialRef, LoginName};
use crate::domain::third_party::ThirdParty;
use crate::domain::throttle::Throttle;
use crate::ports::SendCounter;

pub(crate) fn account(id: &AccountId) -> String {
    format!("ACCOUNT#{id}")
}

pub(crate) fn credential(c: &CredentialRef) -> String {
    match c {
        CredentialRef::Cloud(username) => format!("LOGIN#{username}"),
        CredentialRef::Passport(id) => format!("LOGIN#pp:{id}"),
        CredentialRef::SubUser(main, name) => format!("LOGIN#sub:{main}:{name}"),
    }
}

pub(crate) fn passkey(id: &str) -> String {
    format!("PASSKEY#{id}")
}

pub(crate) fn login(name: &LoginName) -> String {
    match name {
        LoginName::Cloud(username) => format!("LOGIN#{username}"),
        LoginName::PassportName(name) => format!("LOGIN#passport-name:{name}"),
        LoginName::Phone(hash) => format!("LOGIN#phone:{hash}"),
        LoginName::Email(hash) => format!("LOGIN#email:{hash}"),
        LoginName::SubUser(main, name) => format!("LOGIN#sub:{main}:{name}"),
    }
}

/// A main account's sub-user directory [LOGIN-5].
pub(crate) fn sub_users(main: &AccountId) -> String {
    format!("SUBUSERS#{main}")
}

/// The main account an alias names [LOGIN-5].
pub(crate) fn sub_user_alias(alias: &str) -> String {
    format!("SUBALIAS#{alias}")
}

pub(crate) fn phone_accounts(phone_hash: &str) -> String {
    format!("PHONE#{phone_hash}")
}

pub(crate) fn passport_of_phone(phone_hash: &str) -> String {
    format!("PASSPORT#{phone_hash}")
}

pub(crate) fn document(document_hash: &str) -> String {
    format!("DOC#{document_hash}")
}

pub(crate) fn bank_card_attempts(account: &AccountId) -> String {
    format!("KYC#bank-card#{account}")
}

pub(crate) fn enterprise_attempts(method: Method, account: &AccountId) -> String {
    format!("KYC#ent-{}#{account}", method.as_str())
}

pub(crate) fn receiving_account(account: &AccountId) -> String {
    format!("RECV#{account}")
}

pub(crate) fn receiving_number(number_hash: &str) -> String {
    format!("RECVNO#{number_hash}")
}

pub(crate) fn ledger_entry(transfer_id: &str) -> String {
    format!("LEDGER#{transfer_id}")
}

/// The account a third-party provider's user (by keyed hash) is bound to: unique per user.
pub(crate) fn third_party_subject(provider: ThirdParty, subject_hash: &str) -> String {
    format!("3P#{provider}:{subject_hash}")
}

/// An account's binding of a provider: one per provider per account.
pub(crate) fn third_party_binding(provider: ThirdParty, account: &AccountId) -> String {
    format!("3PBOUND#{provider}:{account}")
}

pub(crate) fn session(id: &SessionId) -> String {
    format!("SESSION#{id}")
}

/// The item that holds an account's current session generation (signing out everywhere moves
/// it on; a session of an older generation is signed out).
pub(crate) fn session_generation(account: &AccountId) -> String {
    format!("GENERATION#{account}")
}

pub(crate) fn flow(kind: FlowKind, id: &FlowId) -> String {
    format!("FLOW#{}:{id}", kind.as_str())
}

/// How many partitions of an index a kind's deadlines, and its staff queue, are spread over (by
/// the flow's id): one partition takes at most 1,000 writes a second, and every write of a flow
/// with a deadline writes its index entry, so one partition per kind would cap every flow of
/// that kind at that rate. Four give a kind 4,000 index writes a second, a hundred times the
/// expected peak at 10 million accounts (README "Keys at scale"), for four queries per read:
/// readers (the sweeper, the review overview) read every shard.
pub(crate) const INDEX_SHARDS: u32 = 4;

/// The shard of a flow: FNV-1a of its id (stable across processes and releases).
fn shard_of(id: &FlowId) -> u32 {
    let hash = id.as_str().bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    hash % INDEX_SHARDS
}

/// The partition of the deadline index a flow's deadline is filed under.
pub(crate) fn deadlines_of(kind: FlowKind, id: &FlowId) -> String {
    format!("DUE#{}#{}", kind.as_str(), shard_of(id))
}

/// Every partition of the deadline index a kind's deadlines are filed under.
pub(crate) fn deadline_shards(kind: FlowKind) -> impl Iterator<Item = String> {
    (0..INDEX_SHARDS).map(move |shard| format!("DUE#{}#{shard}", kind.as_str()))
}

/// The owner-index partition of an account's flows of one kind (its cases, newest first).
pub(crate) fn owned_flows(kind: FlowKind, account: &AccountId) -> String {
    format!("OWNER#{}:{account}", kind.as_str())
}

/// An audit-trail entry.
pub(crate) fn audit_entry(id: &str) -> String {
    format!("AUDIT#{id}")
}

/// The owner-index partition of a flow's audit trail.
pub(crate) fn trail_of(flow: &FlowId) -> String {
    format!("TRAIL#{flow}")
}

/// The guard of an account's one open case of a kind (present while it is open).
pub(crate) fn open_case(kind: &str, account: &AccountId) -> String {
    format!("OPEN#{kind}:{account}")
}

/// The guard of an account's one open corporate transfer application (names it; replaced once it
/// ended) [issue 25].
pub(crate) fn open_transfer(account: &AccountId) -> String {
    format!("OPEN#transfer:{account}")
}

/// The guard of an account's one open subject change (names the change; replaced once it ended).
pub(crate) fn open_change(account: &AccountId) -> String {
    format!("OPEN#change:{account}")
}

/// The staff-queue index partition a flow staff must act on is listed under.
pub(crate) fn staff_queue_of(kind: FlowKind, id: &FlowId) -> String {
    format!("STAFF#{}#{}", kind.as_str(), shard_of(id))
}

/// The staff-queue index partition of a kind's flows decided on `day` (UTC).
pub(crate) fn decided_on(kind: FlowKind, day: chrono::NaiveDate) -> String {
    format!("DECIDED#{}#{day}", kind.as_str())
}

/// Every partition of the staff-queue index a kind's flows are listed under.
pub(crate) fn staff_queue_shards(kind: FlowKind) -> impl Iterator<Item = String> {
    (0..INDEX_SHARDS).map(move |shard| format!("STAFF#{}#{shard}", kind.as_str()))
}

pub(crate) fn code(id: &ChallengeId) -> String {
    format!("CODE#{id}")
}

pub(crate) fn send_counter(counter: &SendCounter, day: &str) -> String {
    match counter {
        SendCounter::Target { purpose, hash, asker: None } => format!("RATE#code:{}:{hash}#{day}", purpose.as_str()),
        SendCounter::Target { purpose, hash, asker: Some(asker) } => {
            format!("RATE#code:{}:{hash}:{asker}#{day}", purpose.as_str())
        }
        SendCounter::Source(hash) => format!("RATE#code-src:{hash}#{day}"),
        SendCounter::Phone(hash) => format!("RATE#phone:{hash}#{day}"),
    }
}

/// The record that a message was delivered.
pub(crate) fn delivery(message_id: &str) -> String {
    format!("SENT#{message_id}")
}

pub(crate) fn throttle(t: &Throttle) -> String {
    match t {
        Throttle::Username(hash) => format!("THROTTLE#login-user:{hash}"),
        Throttle::UsernameAtSource(hash, source) => format!("THROTTLE#login-user-src:{hash}:{source}"),
        Throttle::Source(hash) => format!("THROTTLE#login-src:{hash}"),
        Throttle::SecondFactor(account) => format!("THROTTLE#2fa:{account}"),
        Throttle::CurrentPassword(account) => format!("THROTTLE#current-password:{account}"),
        Throttle::StaffSecondFactor(session) => format!("THROTTLE#staff-2fa:{session}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_different_things_never_collide() {
        let id = AccountId::from_raw("abc");
        let keys = [
            account(&id),
            credential(&CredentialRef::Cloud("abc".into())),
            credential(&CredentialRef::Passport(id.clone())),
            login(&LoginName::PassportName("abc".into())),
            login(&LoginName::Phone("abc".into())),
            login(&LoginName::Email("abc".into())),
            phone_accounts("abc"),
            passport_of_phone("abc"),
            document("abc"),
            bank_card_attempts(&id),
            enterprise_attempts(Method::LegalFace, &id),
            enterprise_attempts(Method::Recharge, &id),
            receiving_account(&id),
            receiving_number("abc"),
            ledger_entry("abc"),
            third_party_subject(ThirdParty::Wechat, "abc"),
            third_party_subject(ThirdParty::Qq, "abc"),
            third_party_binding(ThirdParty::Wechat, &id),
            third_party_binding(ThirdParty::Weibo, &id),
            open_change(&AccountId::from_raw("abc")),
            open_case("enterprise_verification", &AccountId::from_raw("abc")),
            session(&SessionId::from_raw("abc")),
            session_generation(&id),
            flow(FlowKind::SignIn, &FlowId::from_raw("abc")),
            flow(FlowKind::QrLogin, &FlowId::from_raw("abc")),
            code(&ChallengeId::from_raw("abc")),
            send_counter(&SendCounter::Target { purpose: Purpose::Register, hash: "abc".into(), asker: None }, "d"),
            send_counter(&SendCounter::Target { purpose: Purpose::SignIn, hash: "abc".into(), asker: None }, "d"),
            send_counter(
                &SendCounter::Target { purpose: Purpose::PasswordReset, hash: "abc".into(), asker: Some("x".into()) },
                "d",
            ),
            send_counter(&SendCounter::Source("abc".into()), "d"),
            throttle(&Throttle::Username("abc".into())),
            throttle(&Throttle::Source("abc".into())),
            throttle(&Throttle::UsernameAtSource("abc".into(), "abc".into())),
            throttle(&Throttle::SecondFactor(id.clone())),
            throttle(&Throttle::CurrentPassword(id)),
            delivery("abc"),
            credential(&CredentialRef::SubUser(AccountId::from_raw("abc"), "abc".into())),
            sub_users(&AccountId::from_raw("abc")),
            sub_user_alias("abc"),
        ];
        let distinct: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
    }
}
