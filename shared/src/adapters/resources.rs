//! The directory of servers, domains and ICP filings (owned by other products) [REC-3].
//!
//! Sandbox behaviour: an in-memory register. Tests add entries directly; locally
//! `POST /sandbox/resources` with `{"kind": "server_ip" | "domain" | "icp_filing", "value",
//! "account_id"}` adds one. Values compare case-insensitively.

use crate::adapters::http_json::HttpJson;
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
}

fn kind_key(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ServerIp => "server_ip",
        ResourceKind::Domain => "domain",
        ResourceKind::IcpFiling => "icp_filing",
    }
}

impl SandboxResources {
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
}

/// `POST {endpoint}/owners` with `{"kind", "value"}` answering `{"account_ids": [...]}`.
pub struct HttpResources(HttpJson);

impl HttpResources {
    pub fn new(endpoint: String, api_key: String) -> Self {
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
}
