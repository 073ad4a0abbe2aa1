//! `POST /v1/verifications/personal/bank-card`: UnionPay card, name, ID number, the card's
//! reserved phone and its SMS code (`POST /v1/sms-codes` with purpose `bank-card`) [KYC-P3].

use crate::api::{json_response, ApiError, ApiResult};
use crate::extract::{Authed, Json};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::domain::bank_card::BankCard;
use shared::domain::code::Code;
use shared::domain::identity::{DocumentType, IdDocument, PersonName};
use shared::domain::phone::Phone;
use shared::usecases::kyc::{verify_by_bank_card, BankCardVerification, Person};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BankCardBody {
    name: PersonName,
    id_number: String,
    card_number: BankCard,
    phone: Phone,
    challenge_id: shared::domain::ids::ChallengeId,
    sms_code: Code,
    agreement: AgreementRef,
}

pub async fn handle(state: &AppState, Authed(principal): Authed, Json(b): Json<BankCardBody>) -> ApiResult {
    let document = IdDocument::parse(DocumentType::MainlandIdCard, &b.id_number)
        .map_err(|r| ApiError::from(shared::Error::invalid("id_number", r)))?;
    let request = BankCardVerification {
        person: Person { name: b.name, document, agreement: b.agreement },
        card: b.card_number,
        phone: b.phone,
        challenge_id: b.challenge_id,
        code: b.sms_code,
    };
    verify_by_bank_card(&state.services, &principal, request).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &crate::answers::BankCardPassed {
            state: crate::answers::Passed::Passed,
            method: crate::answers::BankCardMethod::BankCard,
        },
    ))
}
