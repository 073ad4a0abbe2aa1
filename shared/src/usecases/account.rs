//! Reading one's own account [ACC-1].

use crate::domain::account::{AccountKind, AccountView};
use crate::domain::session::Principal;
use crate::error::{Error, Result};
use crate::services::Services;

pub async fn read_my_account(services: &Services, principal: &Principal) -> Result<AccountView> {
    let record = services.accounts.account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    Ok(AccountView {
        account_id: record.account_id,
        kind: AccountKind::Cloud,
        username: record.username,
        phone_masked: record.phone_masked,
        created_at: record.created_at,
        activated: true,
        verification: if record.verification == "unverified" { "unverified" } else { "verified" },
        agreements: record.agreements,
    })
}
