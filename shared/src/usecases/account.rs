//! Reading one's own account [ACC-1], with its verification and entitlements [KYC-P6].

use super::contact::PRODUCTS;
use super::deps::HasAccounts;
use crate::domain::account::{AccountView, PersonalView, StudentView};
use crate::domain::kyc::{entitlements, Verification};
use crate::domain::session::Principal;
use crate::error::{Error, Result};

pub async fn read_my_account(deps: &impl HasAccounts, principal: &Principal) -> Result<AccountView> {
    let record = deps.accounts().account(&principal.account_id).await?.ok_or(Error::NotFound)?;
    let verification = match (&record.enterprise, &record.personal) {
        (Some(e), _) => Verification::Enterprise { general: e.org_type.is_general_enterprise() },
        (None, Some(_)) => Verification::Personal,
        (None, None) => Verification::Unverified,
    };
    Ok(AccountView {
        account_id: record.account_id,
        kind: record.kind,
        username: record.username,
        phone_masked: record.phone.masked,
        created_at: record.created_at,
        activated: record.activated,
        entitlements: entitlements(verification, record.student.is_some()),
        personal: record.personal.map(|p| PersonalView {
            method: p.method,
            name: p.name_masked,
            document_type: p.document_type,
            id_number: p.id_number_masked,
            verified_at: p.verified_at,
        }),
        enterprise: record.enterprise,
        balance_fen: record.balance_fen,
        student: record.student.map(|s| StudentView {
            school: s.school,
            major: s.major,
            level: s.level,
            expected_graduation: s.expected_graduation,
            email: s.email_masked,
            verified_at: s.verified_at,
        }),
        agreements: record.agreements,
        email: record.email.map(|e| e.masked),
        profile: record.profile,
        sms: PRODUCTS.iter().map(|p| (*p, !record.sms_off.contains(*p))).collect(),
    })
}
