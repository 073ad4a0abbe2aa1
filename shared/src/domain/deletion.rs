//! Account deletion [DEL-1..DEL-3]: the condition check, the confirmation it opens, and the
//! erasure that follows.
//!
//! ```text
//! check (agreement accepted) --every blocking condition passes--> confirmable (token, 10 minutes)
//!   confirmable --token + forfeits acknowledged + step-up + the check again--> confirmed
//!     (one transaction: the account and its credential gone, sessions ended, counts released,
//!      the erasure recorded)
//! erasure: pending --everything else of the account erased--> done (kept without personal data)
//!   pending past its deadline: the sweeper erases again (every step may run twice)
//! ```

use super::account::AccountKind;
use super::flow::{Flow, FlowKind};
use super::ids::{AccountId, SessionId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// 《账号注销协议》, accepted before the check.
pub const DELETION_AGREEMENT: (&str, &str) = ("account-deletion-agreement", "2024-06");
/// How long a passed check may be confirmed.
pub const CONFIRMATION_WINDOW: Duration = Duration::minutes(10);
/// A pending erasure not finished within this is taken up again by the sweeper.
pub const ERASURE_RETRY: Duration = Duration::minutes(5);
/// How long the record that an account was deleted is kept (it holds nothing personal).
pub const ERASURE_RECORD_KEPT: Duration = Duration::days(3 * 365);

/// What the rest of the platform (billing, orders, resources, complaints, the enterprise
/// organisation) reports about an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformStanding {
    /// Orders not yet completed or cancelled.
    pub unfinished_orders: u32,
    /// Services still running under a contract (not resources: subscriptions, support plans).
    pub unfinished_services: u32,
    /// Owed and unpaid, in fen.
    pub arrears_fen: u64,
    /// Unused vouchers.
    pub vouchers: u32,
    /// Resources in use (servers, disks, domains ...).
    pub resources_in_use: u32,
    /// Complaints or reports the account made that are still open.
    pub open_complaints_made: u32,
    /// Complaints or reports about the account that are still open.
    pub open_complaints_received: u32,
    /// The account belongs to an enterprise organisation (as its master or a member).
    pub in_enterprise_organisation: bool,
}

/// Everything the check looks at: the platform's report and what this service holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub platform: PlatformStanding,
    /// The account's cash balance (recharges are credited to it), in fen.
    pub balance_fen: u64,
    /// Verifications, review cases and subject changes still in progress.
    pub open_work: u32,
}

/// Which kind of work is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    Case,
    EnterpriseApplication,
    SubjectChange,
}

/// One piece of work in progress that blocks the deletion, with what its owner can do now
/// [LIFE-2]: withdraw it (by `withdraw`, a route), or wait until `ends_by` (when its deadline
/// ends it, or when a reviewer is due to have decided it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct OpenWork {
    pub kind: WorkKind,
    pub id: String,
    pub state: String,
    /// When it ends if nothing is done, or when a reviewer is due to decide it.
    pub ends_by: DateTime<Utc>,
    /// Who ends it by then if its owner does not: `deadline` (it ends by itself) or `reviewer`.
    pub ended_by: EndedBy,
    /// `POST` this path to withdraw it now (none: it cannot be withdrawn; wait until `ends_by`).
    pub withdraw: Option<String>,
}

/// Who ends an open piece of work if its owner does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    Deadline,
    Reviewer,
}

/// The conditions of the check [DEL-1], in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    UnfinishedOrders,
    Arrears,
    OpenComplaintsMade,
    OpenComplaintsReceived,
    EnterpriseOrganisation,
    WorkInProgress,
    CashBalance,
    Vouchers,
    ResourcesInUse,
}

/// A failing blocking condition stops the deletion; a failing forfeit condition lets it go on
/// once the user acknowledges giving up what it names (the seed: 视为主动放弃权益).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Blocking,
    Forfeit,
}

impl Condition {
    pub const ALL: [Condition; 9] = [
        Condition::UnfinishedOrders,
        Condition::Arrears,
        Condition::OpenComplaintsMade,
        Condition::OpenComplaintsReceived,
        Condition::EnterpriseOrganisation,
        Condition::WorkInProgress,
        Condition::CashBalance,
        Condition::Vouchers,
        Condition::ResourcesInUse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Condition::UnfinishedOrders => "unfinished_orders",
            Condition::Arrears => "arrears",
            Condition::OpenComplaintsMade => "open_complaints_made",
            Condition::OpenComplaintsReceived => "open_complaints_received",
            Condition::EnterpriseOrganisation => "enterprise_organisation",
            Condition::WorkInProgress => "work_in_progress",
            Condition::CashBalance => "cash_balance",
            Condition::Vouchers => "vouchers",
            Condition::ResourcesInUse => "resources_in_use",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Condition::CashBalance | Condition::Vouchers | Condition::ResourcesInUse => Severity::Forfeit,
            _ => Severity::Blocking,
        }
    }

    /// What passing means, as the check lists it.
    pub fn requirement(self) -> &'static str {
        match self {
            Condition::UnfinishedOrders => "No unfinished orders or services",
            Condition::Arrears => "No arrears or unpaid amounts",
            Condition::OpenComplaintsMade => "No open complaints or reports made by the account",
            Condition::OpenComplaintsReceived => "No open complaints or reports about the account",
            Condition::EnterpriseOrganisation => "Not part of an enterprise organisation",
            Condition::WorkInProgress => "No verification, review case or subject change in progress",
            Condition::CashBalance => "No cash balance (it is forfeited by deleting)",
            Condition::Vouchers => "No vouchers (they are forfeited by deleting)",
            Condition::ResourcesInUse => "No resources in use (they are released and lost by deleting)",
        }
    }

    /// Where the user fixes it: the console page (the seed: 财务, 企业组织, ...) and its path.
    pub fn fix_at(self) -> (&'static str, &'static str) {
        match self {
            Condition::UnfinishedOrders => ("Finance > Orders: pay or cancel them", "/finance/orders"),
            Condition::Arrears => ("Finance > Overview: pay what is owed", "/finance/overview"),
            Condition::OpenComplaintsMade | Condition::OpenComplaintsReceived => {
                ("Tickets > Complaints and reports: close them or wait for the outcome", "/tickets/complaints")
            }
            Condition::EnterpriseOrganisation => {
                ("Enterprise organisation: leave it, or dissolve it if you are its master", "/organisation")
            }
            Condition::WorkInProgress => (
                "Account centre > Cases, Enterprise verification, Subject changes: withdraw each (`open_work[].withdraw`) or wait until its `ends_by`",
                "/account/cases",
            ),
            Condition::CashBalance => ("Finance > Balance: withdraw it", "/finance/balance"),
            Condition::Vouchers => ("Finance > Vouchers: use them", "/finance/vouchers"),
            Condition::ResourcesInUse => ("Each product's console: release them", "/resources"),
        }
    }

    /// Whether the condition holds, and what was found when it does not.
    fn judge(self, s: &Standing) -> Option<String> {
        let p = &s.platform;
        let count = |n: u32, what: &str| (n > 0).then(|| format!("{n} {what}"));
        match self {
            Condition::UnfinishedOrders => match (p.unfinished_orders, p.unfinished_services) {
                (0, 0) => None,
                (o, v) => Some(format!("{o} unfinished orders, {v} unfinished services")),
            },
            Condition::Arrears => (p.arrears_fen > 0).then(|| format!("{} owed", yuan(p.arrears_fen))),
            Condition::OpenComplaintsMade => count(p.open_complaints_made, "open complaints made"),
            Condition::OpenComplaintsReceived => count(p.open_complaints_received, "open complaints received"),
            Condition::EnterpriseOrganisation => {
                p.in_enterprise_organisation.then(|| "the account belongs to an enterprise organisation".into())
            }
            Condition::WorkInProgress => count(s.open_work, "in progress"),
            Condition::CashBalance => (s.balance_fen > 0).then(|| format!("balance {}", yuan(s.balance_fen))),
            Condition::Vouchers => count(p.vouchers, "vouchers"),
            Condition::ResourcesInUse => count(p.resources_in_use, "resources in use"),
        }
    }
}

fn yuan(fen: u64) -> String {
    format!("CNY {}.{:02}", fen / 100, fen % 100)
}

/// One line of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub condition: Condition,
    /// What was found, when the condition does not hold.
    pub found: Option<String>,
}

impl Judged {
    pub fn passed(&self) -> bool {
        self.found.is_none()
    }
}

/// The check [DEL-1]: every condition with its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report(pub Vec<Judged>);

impl Report {
    pub fn of(standing: &Standing) -> Report {
        Report(Condition::ALL.iter().map(|&condition| Judged { condition, found: condition.judge(standing) }).collect())
    }

    /// Whether no blocking condition fails.
    pub fn passed(&self) -> bool {
        self.blocking().next().is_none()
    }

    pub fn blocking(&self) -> impl Iterator<Item = Condition> + '_ {
        self.failing(Severity::Blocking)
    }

    /// The forfeit conditions that fail: what deleting gives up.
    pub fn forfeits(&self) -> Vec<Condition> {
        self.failing(Severity::Forfeit).collect()
    }

    fn failing(&self, severity: Severity) -> impl Iterator<Item = Condition> + '_ {
        self.0.iter().filter(move |j| !j.passed() && j.condition.severity() == severity).map(|j| j.condition)
    }

    /// The forfeits not among those acknowledged.
    pub fn unacknowledged(&self, acknowledged: &[Condition]) -> Vec<Condition> {
        self.forfeits().into_iter().filter(|c| !acknowledged.contains(c)).collect()
    }
}

/// A passed check, waiting for its second confirmation [DEL-2]: bound to the account and the
/// session that ran it, confirmed once, with the token's keyed hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountDeletion {
    pub account_id: AccountId,
    pub session_id: SessionId,
    pub token_hash: String,
    pub checked_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// Why a confirmation is refused (the same answer for each: the token is not good).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmRefusal {
    Expired,
    Used,
    WrongToken,
}

impl AccountDeletion {
    /// Whether `token_hash` may confirm this deletion for this session now.
    pub fn confirmable(&self, session: &SessionId, token_hash: &str, now: DateTime<Utc>) -> Result<(), ConfirmRefusal> {
        if self.confirmed_at.is_some() {
            return Err(ConfirmRefusal::Used);
        }
        if now >= self.expires_at() {
            return Err(ConfirmRefusal::Expired);
        }
        let same: bool = subtle::ConstantTimeEq::ct_eq(self.token_hash.as_bytes(), token_hash.as_bytes()).into();
        if !same || self.session_id != *session {
            return Err(ConfirmRefusal::WrongToken);
        }
        Ok(())
    }
}

/// Confirming with the token (the store writes it in the deletion's transaction).
pub struct Confirm<'a> {
    pub session: &'a SessionId,
    pub token_hash: &'a str,
}

impl Flow for AccountDeletion {
    const KIND: FlowKind = FlowKind::AccountDeletion;
    type Event<'a> = Confirm<'a>;
    type Refusal = ConfirmRefusal;

    fn expires_at(&self) -> DateTime<Utc> {
        self.checked_at + CONFIRMATION_WINDOW
    }

    fn apply(mut self, event: Confirm<'_>, now: DateTime<Utc>) -> Result<Self, ConfirmRefusal> {
        self.confirmable(event.session, event.token_hash, now)?;
        self.confirmed_at = Some(now);
        Ok(self)
    }
}

/// The record of a deletion and of the erasure that follows it (its flow id is the confirmation's
/// id). Nothing personal: the account id, the kind, times and counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Erasure {
    pub account_id: AccountId,
    pub kind: AccountKind,
    pub deleted_at: DateTime<Utc>,
    /// The deleted account's credential: its passkeys are erased with it [KEY-1, DEL-3] (none
    /// in erasures recorded before passkeys).
    #[serde(default)]
    pub credential: Option<super::login::CredentialRef>,
    /// Credited transfers to erase (their ids are not personal; the entries are).
    #[serde(default)]
    pub ledger_entries: Vec<String>,
    pub finished_at: Option<DateTime<Utc>>,
    /// How many stored items and files the erasure removed (after the deletion's transaction).
    #[serde(default)]
    pub erased_items: u32,
    #[serde(default)]
    pub erased_files: u32,
}

/// The erasure finished, with what it removed.
pub struct Erased {
    pub items: u32,
    pub files: u32,
}

impl Flow for Erasure {
    const KIND: FlowKind = FlowKind::Erasure;
    type Event<'a> = Erased;
    type Refusal = ();

    fn expires_at(&self) -> DateTime<Utc> {
        self.deleted_at + ERASURE_RECORD_KEPT
    }

    fn deadline(&self) -> Option<DateTime<Utc>> {
        self.finished_at.is_none().then(|| self.deleted_at + ERASURE_RETRY)
    }

    fn apply(mut self, event: Erased, now: DateTime<Utc>) -> Result<Self, ()> {
        if self.finished_at.is_some() {
            return Err(());
        }
        self.finished_at = Some(now);
        self.erased_items = event.items;
        self.erased_files = event.files;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(p: PlatformStanding, balance_fen: u64, open_work: u32) -> Report {
        Report::of(&Standing { platform: p, balance_fen, open_work })
    }

    #[test]
    fn a_clean_account_passes_every_condition() {
        let r = report(PlatformStanding::default(), 0, 0);
        assert!(r.passed());
        assert!(r.0.iter().all(Judged::passed));
        assert_eq!(r.0.len(), Condition::ALL.len());
        assert!(r.forfeits().is_empty());
    }

    #[test]
    fn blocking_conditions_stop_and_forfeits_only_warn() {
        let p = PlatformStanding { arrears_fen: 1230, vouchers: 2, ..Default::default() };
        let r = report(p, 500, 0);
        assert!(!r.passed());
        assert_eq!(r.blocking().collect::<Vec<_>>(), vec![Condition::Arrears]);
        assert_eq!(r.forfeits(), vec![Condition::CashBalance, Condition::Vouchers]);
        assert_eq!(r.unacknowledged(&[Condition::Vouchers]), vec![Condition::CashBalance]);
        let arrears = r.0.iter().find(|j| j.condition == Condition::Arrears).unwrap();
        assert_eq!(arrears.found.as_deref(), Some("CNY 12.30 owed"));

        let forfeit_only = report(PlatformStanding { resources_in_use: 1, ..Default::default() }, 0, 0);
        assert!(forfeit_only.passed());
        assert_eq!(forfeit_only.forfeits(), vec![Condition::ResourcesInUse]);
    }

    #[test]
    fn every_platform_field_and_work_in_progress_block() {
        let cases = [
            PlatformStanding { unfinished_orders: 1, ..Default::default() },
            PlatformStanding { unfinished_services: 1, ..Default::default() },
            PlatformStanding { open_complaints_made: 1, ..Default::default() },
            PlatformStanding { open_complaints_received: 1, ..Default::default() },
            PlatformStanding { in_enterprise_organisation: true, ..Default::default() },
        ];
        for p in cases {
            assert!(!report(p, 0, 0).passed(), "{p:?}");
        }
        assert!(!report(PlatformStanding::default(), 0, 1).passed());
    }

    #[test]
    fn a_confirmation_is_single_use_short_lived_and_bound_to_its_session() {
        let now = Utc::now();
        let session = SessionId::from_raw("s1");
        let d = AccountDeletion {
            account_id: AccountId::from_raw("a"),
            session_id: session.clone(),
            token_hash: "h".into(),
            checked_at: now,
            confirmed_at: None,
        };
        let other = SessionId::from_raw("s2");
        let ok = |s: &SessionId, t: &str, at| d.clone().apply(Confirm { session: s, token_hash: t }, at);
        assert_eq!(ok(&session, "x", now).unwrap_err(), ConfirmRefusal::WrongToken);
        assert_eq!(ok(&other, "h", now).unwrap_err(), ConfirmRefusal::WrongToken);
        assert_eq!(ok(&session, "h", now + CONFIRMATION_WINDOW).unwrap_err(), ConfirmRefusal::Expired);
        let used = ok(&session, "h", now + Duration::minutes(9)).unwrap();
        assert_eq!(used.apply(Confirm { session: &session, token_hash: "h" }, now).unwrap_err(), ConfirmRefusal::Used);
    }

    #[test]
    fn an_erasure_is_swept_until_it_finishes_once() {
        let now = Utc::now();
        let e = Erasure {
            account_id: AccountId::from_raw("a"),
            kind: AccountKind::Cloud,
            deleted_at: now,
            credential: None,
            ledger_entries: vec![],
            finished_at: None,
            erased_items: 0,
            erased_files: 0,
        };
        assert_eq!(e.deadline(), Some(now + ERASURE_RETRY));
        let done = e.apply(Erased { items: 3, files: 1 }, now).unwrap();
        assert_eq!(done.deadline(), None);
        assert!(done.apply(Erased { items: 0, files: 0 }, now).is_err());
    }
}
