//! The DynamoDB tables the code expects. `template.yaml` is the source of truth for deployment and
//! local provisioning; a test fails if these specifications and the template disagree.

/// A global secondary index: all keys are strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    /// The logical id in template.yaml (and the local table name).
    pub logical_id: &'static str,
    /// The environment variable that carries the deployed table name to each function.
    pub env_var: &'static str,
    pub partition_key: &'static str,
    pub sort_key: Option<&'static str>,
    pub ttl_attribute: Option<&'static str>,
    pub indexes: &'static [IndexSpec],
}

/// Accounts, their credentials (keyed by login name) and per-phone counters.
pub const ACCOUNTS: TableSpec = TableSpec {
    logical_id: "AccountsTable",
    env_var: "ACCOUNTS_TABLE",
    partition_key: "pk",
    sort_key: None,
    ttl_attribute: None,
    indexes: &[],
};

/// Server-side sessions, listed per account through an index whose sort key is the time a
/// session ends unless it is used (`live_until`), so a listing skips the ended ones; and each
/// account's session generation.
pub const SESSIONS: TableSpec = TableSpec {
    logical_id: "SessionsTable",
    env_var: "SESSIONS_TABLE",
    partition_key: "pk",
    sort_key: None,
    ttl_attribute: Some("ttl"),
    indexes: &[IndexSpec { name: "live-by-account", partition_key: "account_id", sort_key: Some("live_until") }],
};

/// Flows, verification codes, send counters, failure windows, the staff audit trail. Flows with a
/// deadline are filed in the deadline index (by kind, then time) so the sweeper finds what is due
/// without a scan; flows a customer follows in the owner index; flows staff must act on in the
/// queue index (by due time).
pub const FLOWS: TableSpec = TableSpec {
    logical_id: "FlowsTable",
    env_var: "FLOWS_TABLE",
    partition_key: "pk",
    sort_key: None,
    ttl_attribute: Some("ttl"),
    indexes: &[
        IndexSpec { name: "by-deadline", partition_key: "due", sort_key: Some("deadline_at") },
        IndexSpec { name: "by-owner", partition_key: "list_pk", sort_key: Some("list_at") },
        IndexSpec { name: "by-queue", partition_key: "staff_pk", sort_key: Some("staff_at") },
    ],
};

pub const ALL: [TableSpec; 3] = [ACCOUNTS, SESSIONS, FLOWS];

/// Deployed table names, read from the environment (local names default to the logical ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub accounts: String,
    pub sessions: String,
    pub flows: String,
}

impl TableNames {
    pub fn local() -> Self {
        TableNames {
            accounts: ACCOUNTS.logical_id.into(),
            sessions: SESSIONS.logical_id.into(),
            flows: FLOWS.logical_id.into(),
        }
    }
}
