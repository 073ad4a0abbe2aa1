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

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use shared::domain::enterprise::application::ApplicationState;
use shared::domain::enterprise::{Method, OrgType, Role};
use shared::domain::identity::{DocumentType, IdDocument, PersonName};
use shared::domain::upload::UploadPurpose;
use shared::usecases::enterprise::{ApplicationView, LegalRepresentativeForm, PersonForm, Progress};
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
#[derive(Serialize, JsonSchema)]
pub struct FaceAnswer {
    verification_id: String,
    /// What the QR code holds (the mobile app scans it).
    qr_payload: String,
    /// The QR code as an SVG data URI.
    qr_code: String,
    expires_at: DateTime<Utc>,
}

/// A face session as the console shows it (the QR code for the mobile app).
pub(crate) fn face_body(face: &FaceStarted) -> FaceAnswer {
    FaceAnswer {
        verification_id: face.verification_id.as_str().to_owned(),
        qr_payload: face.qr_payload.clone(),
        qr_code: face.qr_code.clone(),
        expires_at: face.expires_at,
    }
}

/// An application as its owner sees it.
#[derive(Serialize, JsonSchema)]
pub struct ApplicationAnswer {
    application_id: String,
    method: Method,
    /// How long the method takes, in words.
    processing_time: String,
    state: Progress,
    /// When the current step ends at the latest: the face check, the transfer, the amount's entry,
    /// the deposit's arrival (given up after 10 days), a reviewer's answer. None while the payout
    /// is being placed, and once over.
    deadline: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    organisation: Organisation,
    /// Who does the face check, when someone does.
    face_check_by: Option<FaceCheckBy>,
    /// The files it holds, by purpose.
    material: Vec<UploadPurpose>,
    /// Why it failed, and what to do.
    failure: Option<Failure>,
    /// The case deciding it, if a person does.
    case_id: Option<String>,
    /// A corporate transfer's account and the deposit paid into it.
    #[serde(skip_serializing_if = "Option::is_none")]
    corporate_account: Option<CorporateAccount>,
    /// Wrong amounts that may still be entered before the attempt ends [KYC-E5].
    #[serde(skip_serializing_if = "Option::is_none")]
    entries_left: Option<u32>,
    /// What a recharge's owner transfers, and where to [KYC-E6].
    #[serde(skip_serializing_if = "Option::is_none")]
    remittance: Option<Remittance>,
    /// A new application's face check (legal representative or authorised person).
    #[serde(skip_serializing_if = "Option::is_none")]
    face: Option<FaceAnswer>,
}

#[derive(Serialize, JsonSchema)]
pub struct Organisation {
    #[serde(rename = "organisation_type")]
    org_type: OrgType,
    /// The type's name, for display.
    organisation_type_name: String,
    /// The certificate this type proves itself with.
    certificate: String,
    name: String,
    uscc: String,
    /// Masked.
    legal_representative: String,
}

#[derive(Serialize, JsonSchema)]
pub struct FaceCheckBy {
    role: Role,
    /// Masked.
    name: String,
}

#[derive(Serialize, JsonSchema)]
pub struct Failure {
    message: String,
    advice: String,
}

#[derive(Serialize, JsonSchema)]
pub struct CorporateAccount {
    bank: String,
    /// Masked.
    account: String,
    /// Who pays the deposit in.
    paid_by: Vec<String>,
    /// Never: 打款金额无需退回 [KYC-E5].
    refund_needed: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct Remittance {
    /// CNY, e.g. `0.37`.
    amount: String,
    receiving_account: String,
    payer_name: String,
    advice: String,
}

/// An application as its owner sees it: state, deadline, the failure's message and what to do,
/// masked personal data, and (for a recharge waiting for its transfer) the remittance details.
pub(crate) fn application_body(view: &ApplicationView) -> ApplicationAnswer {
    let a = &view.application.flow;
    let org = &a.organisation;
    let (type_name, certificate) = org.org_type.names();
    let waiting_for_amount =
        matches!(a.state, ApplicationState::AwaitingAmount { .. } | ApplicationState::Paying { .. });
    ApplicationAnswer {
        application_id: view.application.id.as_str().to_owned(),
        method: a.method,
        processing_time: a.method.processing_time().to_owned(),
        state: view.state,
        deadline: view.deadline,
        created_at: a.created_at,
        updated_at: a.updated_at,
        organisation: Organisation {
            org_type: org.org_type,
            organisation_type_name: type_name.to_owned(),
            certificate: certificate.to_owned(),
            name: org.name.clone(),
            uscc: org.uscc.as_str().to_owned(),
            legal_representative: org.legal_representative.name_masked.clone(),
        },
        face_check_by: a.person.as_ref().map(|(role, p)| FaceCheckBy { role: *role, name: p.name_masked.clone() }),
        material: a.material.iter().map(|m| m.purpose).collect(),
        failure: view
            .failure
            .as_ref()
            .map(|(message, advice)| Failure { message: message.clone(), advice: advice.clone() }),
        case_id: view.case.as_ref().map(|c| c.id.as_str().to_owned()),
        corporate_account: a.transfer.as_ref().map(|t| CorporateAccount {
            bank: t.bank_name.clone(),
            account: t.account_masked.clone(),
            // 打款金额无需退回 [KYC-E5]: who pays, and that nothing is to be paid back.
            paid_by: DEPOSIT_PAYERS.iter().map(|p| (*p).to_owned()).collect(),
            refund_needed: false,
        }),
        entries_left: (a.transfer.is_some() && waiting_for_amount).then(|| a.entries_left()),
        remittance: view.remittance.as_ref().map(|(amount, account)| Remittance {
            amount: amount.clone(),
            receiving_account: account.clone(),
            payer_name: org.name.clone(),
            advice: "transfer exactly this amount from a bank account in the organisation's exact name within 3 days"
                .to_owned(),
        }),
        face: None,
    }
}

impl ApplicationAnswer {
    /// With a new application's face check.
    pub(crate) fn with_face(mut self, face: Option<&FaceStarted>) -> Self {
        self.face = face.map(face_body);
        self
    }
}
