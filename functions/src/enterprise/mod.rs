//! Enterprise real-name verification, the customer's side [KYC-E1..KYC-E7]: what the methods need
//! and how the account stands (`GET /v1/enterprise`), an application of any method, its face
//! check's refresh, the deposit's amount; and the providers' signed callbacks (payouts, inbound
//! transfers).

pub mod amount;
pub mod callbacks;
pub mod overview;
pub mod read;
pub mod refresh_face;
pub mod start;
pub mod withdraw;

use serde::Deserialize;
use serde_json::{json, Value};
use shared::domain::calendar::cst_text;
use shared::domain::enterprise::application::ApplicationState;
use shared::domain::identity::{DocumentType, IdDocument, PersonName};
use shared::usecases::enterprise::{ApplicationView, LegalRepresentativeForm, PersonForm};
use shared::usecases::kyc::FaceStarted;
use shared::Error;

/// A person a form names: the name, the document (any of KYC-P2's types; default the mainland
/// ID card) and its number.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    pub name: PersonName,
    #[serde(default)]
    pub document_type: DocumentType,
    pub id_number: String,
}

impl PersonBody {
    pub(crate) fn person(self, field: &str) -> Result<PersonForm, Error> {
        let document = IdDocument::parse(self.document_type, &self.id_number)
            .map_err(|reason| Error::invalid(format!("{field}.id_number"), reason))?;
        Ok(PersonForm { name: self.name, document })
    }
}

/// The payment companies the deposit comes from, as the seed names them [KYC-E5].
const DEPOSIT_PAYERS: [&str; 2] = ["银联商务股份有限公司", "上海银联电子支付服务有限公司"];

/// The legal representative a form names: the name, and the document where the method asks
/// for it (the face check; a corporate transfer or a recharge may give the name alone).
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalRepresentativeBody {
    pub name: PersonName,
    #[serde(default)]
    pub document_type: DocumentType,
    #[serde(default)]
    pub id_number: Option<String>,
}

impl LegalRepresentativeBody {
    pub(crate) fn form(self) -> Result<LegalRepresentativeForm, Error> {
        let document = self
            .id_number
            .map(|number| IdDocument::parse(self.document_type, &number))
            .transpose()
            .map_err(|reason| Error::invalid("legal_representative.id_number", reason))?;
        Ok(LegalRepresentativeForm { name: self.name, document })
    }
}

/// A face session as the console shows it (the QR code for the mobile app).
pub(crate) fn face_body(face: &FaceStarted) -> Value {
    json!({
        "verification_id": face.verification_id,
        "qr_payload": face.qr_payload,
        "qr_code": face.qr_code,
        "expires_at": face.expires_at,
    })
}

/// An application as its owner sees it: state, deadline, the failure's message and what to do,
/// masked personal data, and (for a recharge waiting for its transfer) the remittance details.
pub(crate) fn application_body(view: &ApplicationView) -> Value {
    let a = &view.application.flow;
    let org = &a.organisation;
    let (type_name, certificate) = org.org_type.names();
    let mut body = json!({
        "application_id": view.application.id,
        "method": a.method.as_str(),
        "processing_time": a.method.processing_time(),
        "state": view.state,
        "deadline": view.deadline,
        "deadline_cst": view.deadline.map(cst_text),
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "organisation": {
            "type": org.org_type,
            "type_name": type_name,
            "certificate": certificate,
            "name": org.name,
            "uscc": org.uscc,
            "legal_representative": org.legal_representative.name_masked,
        },
        "face_check_by": a.person.as_ref().map(|(role, p)| json!({ "role": role, "name": p.name_masked })),
        "material": a.material.iter().map(|m| m.purpose.as_str()).collect::<Vec<_>>(),
        "failure": view.failure.as_ref().map(|(message, advice)| json!({ "message": message, "advice": advice })),
        "case_id": view.case.as_ref().map(|c| c.id.clone()),
    });
    if let Some(t) = &a.transfer {
        body["corporate_account"] = json!({
            "bank": t.bank_name,
            "account": t.account_masked,
            // 打款金额无需退回 [KYC-E5]: who pays, and that nothing is to be paid back.
            "paid_by": DEPOSIT_PAYERS,
            "refund_needed": false,
        });
        if let ApplicationState::AwaitingAmount { .. } | ApplicationState::Paying { .. } = a.state {
            body["entries_left"] = json!(a.entries_left());
        }
    }
    if let Some((amount, account)) = &view.remittance {
        body["remittance"] = json!({
            "amount": amount,
            "receiving_account": account,
            "payer_name": org.name,
            "advice": "transfer exactly this amount from a bank account in the organisation's exact name within 3 days",
        });
    }
    body
}
