//! Recovery [REC-1..REC-4]: a forgotten password (cloud account by username, passport account by
//! phone or email; a captcha first, then an SMS code to the bound phone) and a forgotten account
//! (by phone, AccountId, real-name identity, server IP, domain or ICP filing). Nothing is revealed
//! to someone who cannot prove the bound phone: the answers before the code are the same whether
//! or not an account matched, and the account names come only after the code.

use super::captcha::check_captcha;
use super::codes;
use super::deps::{
    HasAccounts, HasCases, HasClock, HasCodes, HasFlows, HasKeys, HasKyc, HasOutbox, HasRecoveryQueue, HasResources,
    HasReviewQueue, HasSecurity, HasSessions, HasSignIn,
};
use super::flows::advance;
use super::sign_in::login_name_of;
use super::Caller;
use crate::crypto::password;
use crate::domain::account::AccountKind;
use crate::domain::code::{self as code_rules, Code, Purpose};
use crate::domain::flow::{Closed, Flow, FlowKind, Progress, Step, Tried, Versioned};
use crate::domain::identity::{IdDocument, PersonName};
use crate::domain::ids::{AccountId, ChallengeId, FlowId};
use crate::domain::password::{check_policy, Password};
use crate::domain::phone::Phone;
use crate::domain::recovery::{AccountLookup, LookupPhone, PasswordReset, ResetTarget, Resolution, RECOVERY_TTL};
use crate::domain::redacted::Redacted;
use crate::error::{Error, Result};
use crate::ports::{CodeProof, DueFlow, ResourceKind, SealedMessage, SecurityChange};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---- forgotten password -----------------------------------------------------------------------

/// Which code a try is compared with.
enum Claim<'a> {
    /// The code sent to the phone that matched.
    Sent(&'a ChallengeId, &'a str),
    /// Nothing matched: the flow's decoy, compared the same way and never accepted.
    Decoy(&'a ChallengeId),
    /// Nothing to compare with (a start not resolved yet, or from before decoys were kept).
    Nothing,
}

impl<'a> Claim<'a> {
    fn of(sent: Option<(&'a ChallengeId, &'a str)>, decoy: Option<&'a ChallengeId>) -> Self {
        match (sent, decoy) {
            (Some((challenge_id, target)), _) => Claim::Sent(challenge_id, target),
            (None, Some(decoy)) => Claim::Decoy(decoy),
            (None, None) => Claim::Nothing,
        }
    }
}

/// One try at a recovery flow's code. The try is reserved in the flow first, whatever the phone
/// or account (one counter per flow), then the code is compared - with the decoy where nothing
/// matched, so a try does the same work either way; every refusal answers alike, from the flow's
/// counter, so neither the answers nor their time reveal anything [REC-4].
async fn recovery_try<F>(
    deps: &(impl HasClock + HasKeys + HasCodes + HasFlows),
    current: Versioned<F>,
    claim: Claim<'_>,
    purpose: Purpose,
    code: &Code,
) -> Result<(Versioned<F>, Option<CodeProof>)>
where
    F: for<'a> Tried<Event<'a> = Step, Refusal = Closed>,
{
    let reserved = match advance(deps.flows::<F>(), current, || Step::Try, deps.clock().now()).await? {
        Ok(next) => next,
        Err(Closed::Expired) => return Err(Error::CodeNotFound),
        Err(_) => return Err(Error::CodeAttemptsExceeded),
    };
    let refused = match reserved.flow.progress().tries().left(code_rules::MAX_ATTEMPTS) {
        0 => Error::CodeAttemptsExceeded,
        attempts_left => Error::CodeMismatch { attempts_left },
    };
    let (challenge_id, target, sent) = match claim {
        Claim::Sent(challenge_id, target) => (challenge_id, target, true),
        Claim::Decoy(challenge_id) => (challenge_id, codes::DECOY_TARGET, false),
        Claim::Nothing => return Err(refused),
    };
    match codes::check(deps, challenge_id, code, purpose, target).await? {
        Ok(proof) if sent => Ok((reserved, Some(proof))),
        _ => Err(refused),
    }
}

/// Starts a reset [REC-1, REC-2]: after the captcha, the request is stored sealed and queued for
/// the recovery worker, which sends a code to the bound phone if the account exists. The answer
/// waits for nothing that depends on the account, so it is the same either way, in its time too
/// [REC-4].
pub async fn start_password_reset(
    deps: &(impl HasClock + HasKeys + HasFlows + HasRecoveryQueue),
    account: &str,
    passport: bool,
    captcha_id: &FlowId,
    captcha_answer: &str,
    caller: &Caller,
) -> Result<FlowId> {
    check_captcha(deps, captcha_id, captcha_answer).await?;
    let request = StartRequest::new(ResetQuery { account: account.to_owned(), passport }, caller);
    let reset = PasswordReset {
        target: None,
        resolution: Resolution::pending(seal(deps, &request)?),
        expires_at: deps.clock().now() + RECOVERY_TTL,
        progress: Progress::default(),
    };
    queue_start(deps, reset).await
}

/// Completes a reset with the code and a new password; every session of the account ends.
pub async fn complete_password_reset(
    deps: &(impl HasClock + HasKeys + HasCodes + HasSessions + HasSecurity + HasFlows),
    reset_id: &FlowId,
    code: &Code,
    new_password: &Password,
) -> Result<()> {
    let now = deps.clock().now();
    let current = deps.flows::<PasswordReset>().load(reset_id).await?.ok_or(Error::CodeNotFound)?;
    if current.flow.expires_at <= now {
        return Err(Error::CodeNotFound);
    }
    let (matched, decoy) = (current.flow.target.clone(), current.flow.resolution.decoy.clone());
    let claim = Claim::of(matched.as_ref().map(|t| (&t.challenge_id, t.phone_hash.as_str())), decoy.as_ref());
    let (current, proof) = recovery_try(deps, current, claim, Purpose::PasswordReset, code).await?;
    let (Some(target), Some(proof)) = (matched, proof) else { return Err(Error::CodeNotFound) };
    // The password policy is checked only once the code proved the phone [REC-4].
    check_policy(new_password, target.credential.cloud_username().unwrap_or_default()).map_err(Error::WeakPassword)?;
    if !deps.codes().consume(&proof).await? {
        return Err(Error::CodeUsed);
    }
    let hash = Redacted::new(password::hash(new_password).await?);
    deps.security().change_security(&target.credential, &target.account_id, SecurityChange::Password { hash }).await?;
    deps.sessions().revoke_all(&target.account_id, &target.credential).await?;
    // The code was single use: a refusal here only means the flow expired meanwhile.
    let _ = advance(deps.flows::<PasswordReset>(), current, || Step::Finish, now).await?;
    Ok(())
}

// ---- forgotten account ------------------------------------------------------------------------

/// How the owner describes the account they forgot [REC-3].
#[derive(Debug)]
pub enum LookupBy {
    Phone(Phone),
    AccountId(AccountId),
    Identity { name: PersonName, document: IdDocument },
    Resource(ResourceKind, String),
}

/// What a lookup searches for, as the worker needs it: keyed hashes where the records are found
/// by one, sealed in the flow with the rest of the request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
enum LookupQuery {
    Phone { hash: String },
    AccountId { account_id: AccountId },
    Identity { document_hash: String, name: String },
    Resource { kind: ResourceKind, value: String },
}

impl LookupQuery {
    fn of(deps: &impl HasKeys, by: LookupBy) -> Self {
        match by {
            LookupBy::Phone(phone) => LookupQuery::Phone { hash: codes::phone_target(deps, &phone) },
            LookupBy::AccountId(account_id) => LookupQuery::AccountId { account_id },
            LookupBy::Identity { name, document } => LookupQuery::Identity {
                document_hash: super::kyc::document_hash(deps, &document),
                name: name.expose().to_owned(),
            },
            LookupBy::Resource(kind, value) => LookupQuery::Resource { kind, value },
        }
    }
}

async fn candidates(
    deps: &(impl HasKeys + HasAccounts + HasKyc + HasResources),
    query: &LookupQuery,
) -> Result<Vec<AccountId>> {
    Ok(match query {
        LookupQuery::Phone { hash } => deps.accounts().accounts_of_phone(hash).await?,
        LookupQuery::AccountId { account_id } => vec![account_id.clone()],
        LookupQuery::Identity { document_hash, name } => {
            let mut matched = vec![];
            for id in deps.kyc().accounts_of_document(document_hash).await? {
                let Some(account) = deps.accounts().account(&id).await? else { continue };
                let same_name = account
                    .personal
                    .as_ref()
                    .and_then(|p| deps.keys().decrypt(&p.name_encrypted).ok())
                    .is_some_and(|n| n == *name);
                if same_name {
                    matched.push(id);
                }
            }
            matched
        }
        LookupQuery::Resource { kind, value } => deps.resources().owners(*kind, value).await?,
    })
}

/// Starts a lookup: after the captcha, the request is stored sealed and queued for the recovery
/// worker, which sends a code to the bound phone of each matching account. The answer never says,
/// nor shows by its time, whether anything matched [REC-4].
pub async fn start_account_lookup(
    deps: &(impl HasClock + HasKeys + HasFlows + HasRecoveryQueue),
    by: LookupBy,
    captcha_id: &FlowId,
    captcha_answer: &str,
    caller: &Caller,
) -> Result<FlowId> {
    check_captcha(deps, captcha_id, captcha_answer).await?;
    let request = StartRequest::new(LookupQuery::of(deps, by), caller);
    let lookup = AccountLookup {
        phones: BTreeMap::new(),
        resolution: Resolution::pending(seal(deps, &request)?),
        expires_at: deps.clock().now() + RECOVERY_TTL,
        progress: Progress::default(),
    };
    queue_start(deps, lookup).await
}

/// An account revealed to the owner of its bound phone.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FoundAccount {
    pub account_id: AccountId,
    pub kind: AccountKind,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The code from the bound phone reveals the accounts found for that phone, in full.
pub async fn verify_account_lookup(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasFlows),
    lookup_id: &FlowId,
    phone: &Phone,
    code: &Code,
) -> Result<Vec<FoundAccount>> {
    let current = deps.flows::<AccountLookup>().load(lookup_id).await?.ok_or(Error::CodeNotFound)?;
    if current.flow.expires_at <= deps.clock().now() {
        return Err(Error::CodeNotFound);
    }
    let hash = codes::phone_target(deps, phone);
    let (matched, decoy) = (current.flow.phones.get(&hash).cloned(), current.flow.resolution.decoy.clone());
    let claim = Claim::of(matched.as_ref().map(|m| (&m.challenge_id, hash.as_str())), decoy.as_ref());
    let (_, proof) = recovery_try(deps, current, claim, Purpose::AccountLookup, code).await?;
    let (Some(LookupPhone { accounts, .. }), Some(proof)) = (matched, proof) else { return Err(Error::CodeNotFound) };
    if !deps.codes().consume(&proof).await? {
        return Err(Error::CodeUsed);
    }
    let mut found = vec![];
    for id in &accounts {
        if let Some(a) = deps.accounts().account(id).await? {
            found.push(FoundAccount {
                account_id: a.account_id,
                kind: a.kind,
                username: (!a.username.is_empty()).then_some(a.username),
                created_at: a.created_at,
            });
        }
    }
    Ok(found)
}

// ---- the recovery worker ----------------------------------------------------------------------

/// A start's request, sealed in the flow until the worker resolves it: what to look for, and
/// the caller's address (its send budget counts the codes).
#[derive(Debug, Serialize, Deserialize)]
struct StartRequest<Q> {
    query: Q,
    source_ip: String,
}

impl<Q> StartRequest<Q> {
    fn new(query: Q, caller: &Caller) -> Self {
        StartRequest { query, source_ip: caller.source_ip.clone() }
    }

    fn caller(&self) -> Caller {
        Caller { source_ip: self.source_ip.clone(), user_agent: String::new() }
    }
}

/// The account a password reset is for, as it was typed.
#[derive(Debug, Serialize, Deserialize)]
struct ResetQuery {
    account: String,
    passport: bool,
}

fn seal(deps: &impl HasKeys, request: &impl Serialize) -> Result<String> {
    let json = serde_json::to_string(request).map_err(|e| Error::internal("encode a recovery request", e))?;
    deps.keys().encrypt(&json)
}

fn open<T: DeserializeOwned>(deps: &impl HasKeys, sealed: &Redacted<String>) -> Result<T> {
    let json = deps.keys().decrypt(sealed.expose())?;
    serde_json::from_str(&json).map_err(|e| Error::internal("decode a recovery request", e))
}

/// Stores a start and queues it for the recovery worker.
async fn queue_start<F: Flow>(deps: &(impl HasFlows + HasRecoveryQueue), flow: F) -> Result<FlowId> {
    let id = FlowId::generate();
    deps.flows::<F>().create(&id, &flow).await?;
    deps.recovery_queue().resolve_later(&DueFlow { kind: F::KIND, id: id.clone() }).await?;
    Ok(id)
}

/// A recovery flow the worker resolves.
trait Resolvable: Flow {
    fn resolution(&self) -> &Resolution;
    fn resolution_mut(&mut self) -> &mut Resolution;
    /// Whether its resolution sent a code.
    fn sent_a_code(&self) -> bool;
}

impl Resolvable for PasswordReset {
    fn resolution(&self) -> &Resolution {
        &self.resolution
    }
    fn resolution_mut(&mut self) -> &mut Resolution {
        &mut self.resolution
    }
    fn sent_a_code(&self) -> bool {
        self.target.is_some()
    }
}

impl Resolvable for AccountLookup {
    fn resolution(&self) -> &Resolution {
        &self.resolution
    }
    fn resolution_mut(&mut self) -> &mut Resolution {
        &mut self.resolution
    }
    fn sent_a_code(&self) -> bool {
        !self.phones.is_empty()
    }
}

/// The recovery worker's use case: resolves a start after its answer - finds what matched,
/// issues the codes (quietly: a limit reached means no code), plants a decoy where a try could
/// find nothing, stores all that in the flow, then queues the messages. A delivery that finds the
/// start resolved queues what is still outgoing (the delivery worker sends each message once). A
/// delivery that failed between issuing and storing leaves its codes unsent and counted; the
/// redelivery (after the queue's visibility timeout, longer than the phone's send spacing)
/// issues afresh. A start past its expiry sends nothing.
pub async fn resolve(
    deps: &(impl HasClock
          + HasKeys
          + HasCodes
          + HasAccounts
          + HasSignIn
          + HasKyc
          + HasResources
          + HasOutbox
          + HasFlows
          + HasCases
          + HasReviewQueue),
    start: &DueFlow,
) -> Result<()> {
    use FlowKind as K;
    match start.kind {
        K::PasswordReset => resolve_reset(deps, &start.id).await,
        K::AccountLookup => resolve_lookup(deps, &start.id).await,
        K::SignedOutAppeal => super::appeals::resolve_appeal(deps, &start.id).await,
        // Never put on the recovery queue.
        K::SignIn
        | K::PhoneChange
        | K::TotpBinding
        | K::QrLogin
        | K::Captcha
        | K::FaceCheck
        | K::Case
        | K::EnterpriseApplication
        | K::SubjectChange
        | K::AccountDeletion
        | K::Erasure
        | K::ThirdPartyAuthorization
        | K::PasskeyCeremony => {
            tracing::warn!(kind = start.kind.as_str(), "a recovery start of a kind that is not one");
            Ok(())
        }
    }
}

/// The start's sealed request if it still waits to be resolved; `None` (after queueing what is
/// still outgoing) when it was resolved before, is gone or is past its time.
async fn awaiting_resolution<F: Resolvable>(
    deps: &(impl HasClock + HasOutbox + HasFlows),
    id: &FlowId,
) -> Result<Option<(Versioned<F>, Redacted<String>)>> {
    let Some(current) = deps.flows::<F>().load(id).await? else { return Ok(None) };
    if current.flow.expires_at() <= deps.clock().now() {
        return Ok(None);
    }
    match current.flow.resolution().pending.clone() {
        Some(sealed) => Ok(Some((current, sealed))),
        None => {
            send_outgoing(deps, current).await?;
            Ok(None)
        }
    }
}

async fn resolve_reset(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasSignIn + HasOutbox + HasFlows),
    id: &FlowId,
) -> Result<()> {
    let Some((current, sealed)) = awaiting_resolution::<PasswordReset>(deps, id).await? else { return Ok(()) };
    let request: StartRequest<ResetQuery> = open(deps, &sealed)?;
    let name = login_name_of(deps, &request.query.account, request.query.passport);
    let mut outgoing = vec![];
    let mut target = None;
    if let Some(credential) = deps.sign_in().credential(&name).await? {
        let phone = codes::account_phone(deps, &credential.account_id).await?;
        if let Some((sent, sms)) = codes::issue_quietly(deps, &phone, Purpose::PasswordReset, &request.caller()).await?
        {
            outgoing.push(Redacted::new(sms.0));
            target = Some(ResetTarget {
                account_id: credential.account_id,
                credential: credential.credential,
                phone_hash: codes::phone_target(deps, &phone),
                challenge_id: sent.challenge_id,
            });
        }
    }
    // Where no code was sent, a decoy counts the caller's send as the code would have.
    let decoy = match target {
        Some(_) => None,
        None => codes::plant_decoy(deps, Purpose::PasswordReset, Some(&request.caller())).await?,
    };
    let resolution = Resolution { pending: None, outgoing, decoy };
    settle(deps, current, |flow: &mut PasswordReset| {
        flow.target = target.clone();
        flow.resolution = resolution.clone();
    })
    .await
}

async fn resolve_lookup(
    deps: &(impl HasClock + HasKeys + HasCodes + HasAccounts + HasKyc + HasResources + HasOutbox + HasFlows),
    id: &FlowId,
) -> Result<()> {
    let Some((current, sealed)) = awaiting_resolution::<AccountLookup>(deps, id).await? else { return Ok(()) };
    let request: StartRequest<LookupQuery> = open(deps, &sealed)?;
    let mut by_phone: BTreeMap<String, (Phone, Vec<AccountId>)> = BTreeMap::new();
    for id in candidates(deps, &request.query).await? {
        let Some(account) = deps.accounts().account(&id).await? else { continue };
        let Ok(phone) = deps
            .keys()
            .decrypt(&account.phone.encrypted)
            .and_then(|p| Phone::parse(&p).map_err(|e| Error::internal("stored phone", e)))
        else {
            continue;
        };
        by_phone.entry(account.phone.hash).or_insert_with(|| (phone, vec![])).1.push(id);
    }
    let (mut phones, mut outgoing) = (BTreeMap::new(), vec![]);
    for (hash, (phone, accounts)) in by_phone {
        if let Some((sent, sms)) = codes::issue_quietly(deps, &phone, Purpose::AccountLookup, &request.caller()).await?
        {
            outgoing.push(Redacted::new(sms.0));
            phones.insert(hash, LookupPhone { challenge_id: sent.challenge_id, accounts });
        }
    }
    // A look-up by a phone no account has moves that phone's send counters as a match would (a
    // code issued to it, never sent): the phone's next code is answered alike either way.
    let unsent = match (&request.query, phones.is_empty()) {
        (LookupQuery::Phone { hash }, true) => {
            codes::issue_unsent(deps, hash, Purpose::AccountLookup, &request.caller()).await?
        }
        _ => None,
    };
    // Whatever matched, a try may name a phone that did not; where no code was sent, the decoy
    // counts the caller's send as one code would have.
    let decoy = match unsent {
        Some(challenge) => Some(challenge),
        None => {
            let counted_for = phones.is_empty().then(|| request.caller());
            codes::plant_decoy(deps, Purpose::AccountLookup, counted_for.as_ref()).await?
        }
    };
    let resolution = Resolution { pending: None, outgoing, decoy };
    settle(deps, current, |flow: &mut AccountLookup| {
        flow.phones = phones.clone();
        flow.resolution = resolution.clone();
    })
    .await
}

/// Stores a resolution (again on the latest flow if a try came first), then queues its messages.
/// If another delivery of the start resolved it meanwhile, that one stands - unless it sent
/// nothing and this one did (its sends were refused because this one's came first): then this one
/// replaces it, so the code that was sent is the one the flow knows.
async fn settle<F: Resolvable>(
    deps: &(impl HasOutbox + HasFlows),
    mut current: Versioned<F>,
    resolve: impl Fn(&mut F),
) -> Result<()> {
    let store = deps.flows::<F>();
    for _ in 0..super::factors::MAX_RACES {
        let mut next = current.flow.clone();
        resolve(&mut next);
        if store.save(&current, &next).await? {
            return send_outgoing(deps, Versioned { version: current.version + 1, flow: next, id: current.id }).await;
        }
        current = store.load(&current.id).await?.ok_or(Error::CodeNotFound)?;
        if current.flow.resolution().pending.is_none() && (current.flow.sent_a_code() || !next.sent_a_code()) {
            return Ok(());
        }
    }
    Err(Error::busy("resolve a recovery start", "the flow kept changing"))
}

/// Queues the resolution's messages, then forgets them (a message queued twice is sent once; a
/// flow that changed meanwhile keeps them until it expires).
async fn send_outgoing<F: Resolvable>(deps: &(impl HasOutbox + HasFlows), current: Versioned<F>) -> Result<()> {
    if current.flow.resolution().outgoing.is_empty() {
        return Ok(());
    }
    for sealed in &current.flow.resolution().outgoing {
        deps.outbox().enqueue(&SealedMessage(sealed.expose().clone())).await?;
    }
    let mut next = current.flow.clone();
    next.resolution_mut().outgoing.clear();
    let _ = deps.flows::<F>().save(&current, &next).await?;
    Ok(())
}
