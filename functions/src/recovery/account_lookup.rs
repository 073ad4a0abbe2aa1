//! Forgotten account [REC-3, REC-4], two Lambdas: `POST /v1/account-lookups` (how the account is
//! described, and a captcha; codes go to the bound phones of the matches) and
//! `POST /v1/account-lookups/{lookup_id}/verify` (`{"phone", "code"}`: the accounts of that phone).

use crate::api::{json_response, ApiResult};
use crate::extract::{Json, LookupId};
use crate::AppState;
use http::StatusCode;
use serde::Deserialize;
use shared::domain::code::Code;
use shared::domain::identity::{DocumentType, IdDocument, PersonName};
use shared::domain::phone::Phone;
use shared::ports::ResourceKind;
use shared::usecases::recovery::{start_account_lookup, verify_account_lookup, LookupBy};
use shared::usecases::Caller;
use shared::Error;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "by", deny_unknown_fields)]
#[schemars(rename = "AccountLookupBody")]
pub enum Described {
    Phone {
        phone: Phone,
        captcha_id: shared::domain::ids::FlowId,
        captcha_answer: String,
    },
    AccountId {
        account_id: shared::domain::ids::AccountId,
        captcha_id: shared::domain::ids::FlowId,
        captcha_answer: String,
    },
    Identity {
        name: PersonName,
        document_type: DocumentType,
        id_number: String,
        captcha_id: shared::domain::ids::FlowId,
        captcha_answer: String,
    },
    ServerIp {
        value: String,
        captcha_id: shared::domain::ids::FlowId,
        captcha_answer: String,
    },
    Domain {
        value: String,
        captcha_id: shared::domain::ids::FlowId,
        captcha_answer: String,
    },
    IcpFiling {
        value: String,
        captcha_id: shared::domain::ids::FlowId,
        captcha_answer: String,
    },
}

pub async fn start(state: &AppState, Json(d): Json<Described>, caller: Caller) -> ApiResult {
    let (by, captcha_id, captcha_answer) = match d {
        Described::Phone { phone, captcha_id, captcha_answer } => (LookupBy::Phone(phone), captcha_id, captcha_answer),
        Described::AccountId { account_id, captcha_id, captcha_answer } => {
            (LookupBy::AccountId(account_id), captcha_id, captcha_answer)
        }
        Described::Identity { name, document_type, id_number, captcha_id, captcha_answer } => {
            let document = IdDocument::parse(document_type, &id_number).map_err(|r| Error::invalid("id_number", r))?;
            (LookupBy::Identity { name, document }, captcha_id, captcha_answer)
        }
        Described::ServerIp { value, captcha_id, captcha_answer } => {
            (LookupBy::Resource(ResourceKind::ServerIp, value), captcha_id, captcha_answer)
        }
        Described::Domain { value, captcha_id, captcha_answer } => {
            (LookupBy::Resource(ResourceKind::Domain, value), captcha_id, captcha_answer)
        }
        Described::IcpFiling { value, captcha_id, captcha_answer } => {
            (LookupBy::Resource(ResourceKind::IcpFiling, value), captcha_id, captcha_answer)
        }
    };
    let lookup_id = start_account_lookup(&state.services, by, &captcha_id, &captcha_answer, &caller).await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &crate::answers::LookupStarted {
            lookup_id: lookup_id.as_str().to_owned(),
            message: "if accounts match, a code was sent to each one's bound phone; enter it with that phone number"
                .to_owned(),
        },
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "VerifyAccountLookupBody")]
pub struct VerifyBody {
    phone: Phone,
    code: Code,
}

pub async fn verify(state: &AppState, LookupId(id): LookupId, Json(b): Json<VerifyBody>) -> ApiResult {
    let accounts = verify_account_lookup(&state.services, &id, &b.phone, &b.code).await?;
    Ok(json_response(StatusCode::OK, &crate::answers::LookupAccounts { accounts }))
}
