//! Personal real-name verification and student verification.

pub mod face_result;
pub mod face_status;
pub mod send_student_code;
pub mod start_face;
pub mod verify_bank_card;
pub mod verify_student;

use serde::Deserialize;
use shared::domain::agreements::AgreementRef;
use shared::domain::identity::{DocumentType, IdDocument, PersonName};
use shared::usecases::kyc::Person;
use shared::Error;

/// The person as a request names them; the document number is parsed by its type.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    pub document_type: DocumentType,
    pub name: PersonName,
    pub id_number: String,
    pub agreement: AgreementRef,
}

impl PersonBody {
    pub(crate) fn person(self) -> Result<Person, Error> {
        let document = IdDocument::parse(self.document_type, &self.id_number)
            .map_err(|reason| Error::invalid("id_number", reason))?;
        Ok(Person { name: self.name, document, agreement: self.agreement })
    }
}
