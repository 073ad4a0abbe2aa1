//! Uploaded material [KYC-E3]: what an upload is for, its id, and what the server accepts. An
//! upload is referenced by its id, which names its purpose (`held-id-photo.3f2a...`), so a case
//! that names it for another purpose is refused clearly. The bucket's layout: an upload waits
//! under its account's prefix in `tmp/` (the bucket's lifecycle rule in template.yaml empties
//! it), a case keeps its files under `cases/<account>/<case>/` (files kept before: `cases/<case>/`).

use super::ids::{AccountId, FlowId};
use serde::{Deserialize, Serialize};

/// The prefix the bucket's lifecycle rule empties (template.yaml `UploadsBucket`).
pub const WAITING_PREFIX: &str = "tmp/";
/// Where cases keep their material.
pub const CASES_PREFIX: &str = "cases/";

/// Where the account's upload with this id waits while no case references it.
pub fn waiting_object(account: &AccountId, upload: &UploadId) -> String {
    format!("{WAITING_PREFIX}{account}/{}/{}", upload.purpose.as_str(), upload.random())
}

/// Where a case keeps its `index`-th file: under the uploader's account, so an erasure finds it
/// by the account's prefix even when no record names the case (issue 25: a case whose creation
/// lost a race with the deletion after its files were copied). The upload's own random part makes
/// the name unique, so two re-submissions racing never overwrite each other's file.
pub fn case_object(account: &AccountId, case: &FlowId, index: usize, upload: &UploadId) -> String {
    format!("{CASES_PREFIX}{account}/{case}/{index}-{}-{}", upload.purpose.as_str(), upload.random())
}

/// Whose prefix a signed-out appeal's uploads use (no account is known to own them); the
/// appeal's case has the appeal's id.
pub fn appeal_uploader(appeal: &FlowId) -> AccountId {
    AccountId::from_raw(format!("appeal-{appeal}"))
}

/// The prefixes an account's files live under: its waiting uploads, its cases' files, and for each
/// of its recorded cases the layout before the account prefix (`cases/<case>/`) and the files of
/// a signed-out appeal's case (under the appeal's own prefix).
pub fn account_prefixes(account: &AccountId, cases: &[FlowId]) -> Vec<String> {
    let mut prefixes = vec![format!("{WAITING_PREFIX}{account}/"), format!("{CASES_PREFIX}{account}/")];
    for case in cases {
        let appeal = appeal_uploader(case);
        prefixes.push(format!("{CASES_PREFIX}{case}/"));
        prefixes.push(format!("{CASES_PREFIX}{appeal}/"));
        prefixes.push(format!("{WAITING_PREFIX}{appeal}/"));
    }
    prefixes
}

/// At most 4 MB per file [KYC-E3].
pub const MAX_UPLOAD_BYTES: u64 = 4 * 1024 * 1024;

/// How long a presigned upload (PUT) or view (GET) URL stays valid.
pub const UPLOAD_URL_TTL_SECS: u64 = 300;
pub const VIEW_URL_TTL_SECS: u64 = 300;

macro_rules! purposes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal;)*) => {
        /// What an uploaded file is for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
        pub enum UploadPurpose {
            $($(#[$doc])* #[serde(rename = $text)] $variant,)*
        }

        impl UploadPurpose {
            pub const ALL: &'static [UploadPurpose] = &[$(UploadPurpose::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(UploadPurpose::$variant => $text,)*
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(UploadPurpose::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

purposes! {
    /// The ID card's portrait side (held by the person where the case asks for it).
    IdCardFront = "id-card-front";
    /// The ID card's national-emblem side.
    IdCardBack = "id-card-back";
    /// A photo of the person holding the ID card.
    HeldIdPhoto = "held-id-photo";
    /// The signed (or stamped) application letter from the downloadable template.
    ApplicationLetter = "application-letter";
    /// An invoice or payment page proving the account's payments.
    PaymentProof = "payment-proof";
    /// The business licence (original photo or colour scan; electronic copies stamped).
    BusinessLicence = "business-licence";
    /// The household register's own page (a recent official change of name or ID) [KYC-P7].
    HouseholdRegister = "household-register";
    /// An authorisation letter (enterprise verification by an authorised employee) [KYC-E4].
    AuthorisationLetter = "authorisation-letter";
    /// A subject-change form.
    ChangeForm = "change-form";
    /// An organisation's certificate: the business licence or its type's registration
    /// certificate [KYC-E2, KYC-E3].
    OrgCertificate = "org-certificate";
    /// The registry's certificate of a registered change (工商变更证明) [CHG-2].
    RegistrationChangeCertificate = "registration-change-certificate";
}

impl UploadPurpose {
    /// The file's name in messages to customers.
    pub fn label(self) -> &'static str {
        match self {
            UploadPurpose::IdCardFront => "ID card (portrait side)",
            UploadPurpose::IdCardBack => "ID card (emblem side)",
            UploadPurpose::HeldIdPhoto => "photo holding the ID card",
            UploadPurpose::ApplicationLetter => "application letter",
            UploadPurpose::PaymentProof => "payment proof",
            UploadPurpose::BusinessLicence => "business licence",
            UploadPurpose::HouseholdRegister => "household register page",
            UploadPurpose::AuthorisationLetter => "authorisation letter",
            UploadPurpose::ChangeForm => "subject-change form",
            UploadPurpose::OrgCertificate => "organisation certificate",
            UploadPurpose::RegistrationChangeCertificate => "registration change certificate",
        }
    }
}

/// An image format the server accepts, recognised by the file's first bytes (never by its name
/// or declared type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageType {
    Jpeg,
    Png,
}

impl ImageType {
    /// How many leading bytes [`ImageType::sniff`] needs.
    pub const SNIFF_BYTES: u64 = 8;

    pub fn sniff(first: &[u8]) -> Option<ImageType> {
        if first.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if first.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ImageType::Png)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
        }
    }

    pub fn from_content_type(text: &str) -> Option<ImageType> {
        match text {
            "image/jpeg" => Some(ImageType::Jpeg),
            "image/png" => Some(ImageType::Png),
            _ => None,
        }
    }
}

/// An upload's id: its purpose and a random part. Any text parses to at most one id; a text that
/// is not an id is simply unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadId {
    pub purpose: UploadPurpose,
    random: String,
}

impl UploadId {
    pub fn generate(purpose: UploadPurpose) -> Self {
        UploadId { purpose, random: super::ids::new_opaque_id() }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (purpose, random) = text.split_once('.')?;
        let purpose = UploadPurpose::parse(purpose)?;
        let well_formed = !random.is_empty() && random.len() <= 64 && random.bytes().all(|b| b.is_ascii_alphanumeric());
        well_formed.then(|| UploadId { purpose, random: random.to_owned() })
    }

    /// The random part (unique on its own).
    pub fn random(&self) -> &str {
        &self.random
    }
}

impl std::fmt::Display for UploadId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.purpose.as_str(), self.random)
    }
}

/// Why an upload named in a case is refused: the error names the material and this reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadRefusal {
    /// No such upload under this account (never uploaded, expired, or another account's).
    NotFound,
    /// The upload was made for another purpose than the material it is named for.
    PurposeMismatch,
    TooLarge,
    /// Not a JPEG or PNG by its content.
    NotAnImage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_first_bytes() {
        assert_eq!(ImageType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(ImageType::Jpeg));
        assert_eq!(ImageType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageType::Png));
        assert_eq!(ImageType::sniff(b"%PDF-1.7"), None);
        assert_eq!(ImageType::sniff(b"hello, I am a .jpg"), None);
        assert_eq!(ImageType::sniff(&[]), None);
    }

    #[test]
    fn upload_ids_carry_their_purpose() {
        let id = UploadId::generate(UploadPurpose::HeldIdPhoto);
        let text = id.to_string();
        assert!(text.starts_with("held-id-photo."));
        assert_eq!(UploadId::parse(&text), Some(id));
        assert_eq!(UploadId::parse("held-id-photo."), None);
        assert_eq!(UploadId::parse("nothing.abc"), None);
        assert_eq!(UploadId::parse("held-id-photo.../../x"), None);
        for p in UploadPurpose::ALL {
            assert_eq!(UploadPurpose::parse(p.as_str()), Some(*p));
        }
    }
}
