//! The directory of servers, domains and ICP filings (owned by other products) [REC-3].
//!
//! Sandbox behaviour: an in-memory register. Tests add entries directly; locally
//! `POST /sandbox/resources` with `{"kind": "server_ip" | "domain" | "icp_filing", "value",
//! "account_id"}` adds one. Values compare case-insensitively. `POST
//! /sandbox/platform/framework-contracts` with `{"account_id"}` puts an account under an offline
//! framework contract: it may not change its enterprise subject online [CHG-3]. `POST
//! /sandbox/platform/account-standing` with `{"account_id", "standing": {...}}` sets what billing,
//! orders, resources, complaints and the enterprise organisation report about an account for its
//! deletion check (fields of `PlatformStanding`, each left out: none); unset: a clean account [DEL-1].

use crate::adapters::http_json::{ApiKey, HttpJson};
use crate::domain::deletion::PlatformStanding;
use crate::domain::ids::AccountId;
use crate::error::Result;
use crate::ports::{ResourceDirectory, ResourceKind};
use async_trait::async_trait;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct SandboxResources {
    owners: Mutex<BTreeMap<(String, String), Vec<String>>>,
    /// Accounts under an offline framework contract (not eligible for an online subject change).
    contracts: Mutex<std::collections::BTreeSet<String>>,
    /// What the platform reports about an account for its deletion check (unset: nothing).
    standings: Mutex<BTreeMap<String, PlatformStanding>>,
}

fn kind_key(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ServerIp => "server_ip",
        ResourceKind::Domain => "domain",
        ResourceKind::IcpFiling => "icp_filing",
    }
}

impl SandboxResources {
    /// The account holds an offline framework contract [CHG-3].
    pub fn add_contract(&self, account_id: &str) {
        self.contracts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(account_id.into());
    }

    /// What the platform reports about the account [DEL-1].
    pub fn set_standing(&self, account_id: &str, standing: PlatformStanding) {
        self.standings.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(account_id.into(), standing);
    }

    pub fn register(&self, kind: ResourceKind, value: &str, account_id: &str) {
        self.owners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((kind_key(kind).into(), value.trim().to_ascii_lowercase()))
            .or_default()
            .push(account_id.into());
    }
}

#[async_trait]
impl ResourceDirectory for SandboxResources {
    async fn owners(&self, kind: ResourceKind, value: &str) -> Result<Vec<AccountId>> {
        let owners = self.owners.lock().map_err(|_| crate::Error::internal("sandbox resources", "lock poisoned"))?;
        let found = owners.get(&(kind_key(kind).into(), value.trim().to_ascii_lowercase()));
        Ok(found.into_iter().flatten().map(AccountId::from_raw).collect())
    }

    async fn subject_change_eligible(&self, account: &AccountId) -> Result<bool> {
        let contracts =
            self.contracts.lock().map_err(|_| crate::Error::internal("sandbox resources", "lock poisoned"))?;
        Ok(!contracts.contains(account.as_str()))
    }

    async fn standing(&self, account: &AccountId) -> Result<PlatformStanding> {
        let standings =
            self.standings.lock().map_err(|_| crate::Error::internal("sandbox resources", "lock poisoned"))?;
        Ok(standings.get(account.as_str()).copied().unwrap_or_default())
    }
}

/// `POST {endpoint}/owners` with `{"kind", "value"}` answering `{"account_ids": [...]}`.
pub struct HttpResources(HttpJson);

impl HttpResources {
    pub fn new(endpoint: String, api_key: ApiKey) -> Self {
        HttpResources(HttpJson::new(endpoint, api_key))
    }
}

#[derive(Deserialize)]
struct Owners {
    account_ids: Vec<AccountId>,
}

#[async_trait]
impl ResourceDirectory for HttpResources {
    async fn owners(&self, kind: ResourceKind, value: &str) -> Result<Vec<AccountId>> {
        let o: Owners = self.0.post("/owners", &serde_json::json!({ "kind": kind_key(kind), "value": value })).await?;
        Ok(o.account_ids)
    }

    /// `POST {endpoint}/subject-change-eligibility` with `{"account_id"}` answering `{"eligible"}`.
    async fn subject_change_eligible(&self, account: &AccountId) -> Result<bool> {
        let e: Eligibility =
            self.0.post("/subject-change-eligibility", &serde_json::json!({ "account_id": account })).await?;
        Ok(e.eligible)
    }

    /// `POST {endpoint}/account-standing` with `{"account_id"}` answering the standing's fields.
    async fn standing(&self, account: &AccountId) -> Result<PlatformStanding> {
        self.0.post("/account-standing", &serde_json::json!({ "account_id": account })).await
    }
}

#[derive(Deserialize)]
struct Eligibility {
    eligible: bool,
}
