//! Third-party bindings [LOGIN-2]: a guard item per provider user (`3P#`, unique) and the
//! account's binding per provider (`3PBOUND#`, one each), written and removed together.

use super::tx::Tx;
use super::{fault, get_s, keys, s, DynamoStore, Item};
use crate::domain::ids::AccountId;
use crate::domain::third_party::ThirdParty;
use crate::error::{Error, Result};
use crate::ports::{BindOutcome, ThirdPartyBinding, ThirdPartyStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put};
use chrono::{DateTime, SecondsFormat, Utc};

/// The guards of binding a provider user to an account and of unbinding it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Binding {
    /// The provider user's guard item: absent to bind, this account's to unbind.
    Subject,
    /// The account's binding of the provider: absent to bind, still this provider user's to unbind.
    Own,
}

fn binding_of(provider: ThirdParty, item: &Item) -> Option<ThirdPartyBinding> {
    Some(ThirdPartyBinding {
        provider,
        subject_hash: get_s(item, "subject_hash")?.to_owned(),
        masked: get_s(item, "masked")?.to_owned(),
        bound_at: DateTime::parse_from_rfc3339(get_s(item, "bound_at")?).ok()?.with_timezone(&Utc),
    })
}

#[async_trait]
impl ThirdPartyStore for DynamoStore {
    async fn bound_account(&self, provider: ThirdParty, subject_hash: &str) -> Result<Option<AccountId>> {
        let item = self
            .get(&self.tables.accounts, keys::third_party_subject(provider, subject_hash), "read a third-party binding")
            .await?;
        Ok(item.as_ref().and_then(|i| get_s(i, "account_id")).map(AccountId::from_raw))
    }

    async fn bindings(&self, account: &AccountId) -> Result<Vec<ThirdPartyBinding>> {
        let wanted: Vec<(&str, String)> = ThirdParty::ALL
            .iter()
            .map(|p| (self.tables.accounts.as_str(), keys::third_party_binding(*p, account)))
            .collect();
        let items = self.batch_get(&wanted, "read third-party bindings").await?;
        Ok(ThirdParty::ALL
            .iter()
            .filter_map(|p| {
                let pk = keys::third_party_binding(*p, account);
                items.iter().find(|i| get_s(i, "pk") == Some(pk.as_str())).and_then(|i| binding_of(*p, i))
            })
            .collect())
    }

    async fn bind(&self, account: &AccountId, binding: &ThirdPartyBinding) -> Result<BindOutcome> {
        let at = binding.bound_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let guard = Put::builder()
            .table_name(&self.tables.accounts)
            .item("pk", s(keys::third_party_subject(binding.provider, &binding.subject_hash)))
            .item("account_id", s(account.as_str()))
            .item("bound_at", s(at.clone()))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build third-party guard"))?;
        let mine = Put::builder()
            .table_name(&self.tables.accounts)
            .item("pk", s(keys::third_party_binding(binding.provider, account)))
            .item("account_id", s(account.as_str()))
            .item("subject_hash", s(binding.subject_hash.clone()))
            .item("masked", s(binding.masked.clone()))
            .item("bound_at", s(at))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build third-party binding"))?;
        let tx = Tx::new().put(Binding::Subject, guard).put(Binding::Own, mine);
        Ok(match self.commit(tx).await? {
            Ok(()) => BindOutcome::Bound,
            Err(cancelled) if cancelled.failed(Binding::Subject) => BindOutcome::SubjectTaken,
            Err(cancelled) if cancelled.failed(Binding::Own) => BindOutcome::ProviderAlreadyBound,
            Err(_) => return Err(Error::internal("bind a third-party identity", "the transaction lost a race")),
        })
    }

    async fn unbind(&self, account: &AccountId, provider: ThirdParty) -> Result<bool> {
        let pk = keys::third_party_binding(provider, account);
        let Some(item) = self.get(&self.tables.accounts, pk.clone(), "read a third-party binding").await? else {
            return Ok(false);
        };
        let Some(subject_hash) = get_s(&item, "subject_hash") else {
            return Err(Error::internal("unbind a third-party identity", "the binding has no subject"));
        };
        let mine = Delete::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(pk))
            .condition_expression("subject_hash = :subject")
            .expression_attribute_values(":subject", s(subject_hash))
            .build()
            .map_err(fault("build third-party unbind"))?;
        let guard = Delete::builder()
            .table_name(&self.tables.accounts)
            .key("pk", s(keys::third_party_subject(provider, subject_hash)))
            .condition_expression("account_id = :account")
            .expression_attribute_values(":account", s(account.as_str()))
            .build()
            .map_err(fault("build third-party guard removal"))?;
        let tx = Tx::new().delete(Binding::Own, mine).delete(Binding::Subject, guard);
        // A failed condition: unbound meanwhile (by a concurrent request).
        Ok(self.commit(tx).await?.is_ok())
    }
}
