//! Enterprise real-name verification [KYC-E1..KYC-E7]: the organisation types and their
//! certificates, the three methods with their attempt caps and processing times, the seed's
//! failure messages, and what a verified organisation is as stored.

pub mod application;
pub mod banks;
pub mod money;
pub mod uscc;

use super::ids::FlowId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use uscc::Uscc;

/// Attempts per method per account [KYC-E4, KYC-E5; the seed gives the recharge the same cap].
pub const MAX_ATTEMPTS_PER_METHOD: u32 = 10;

/// The agreement an enterprise verification accepts.
pub const ENTERPRISE_AGREEMENT: (&str, &str) = ("enterprise-verification-agreement", "2024-06");

/// The photo rules a certificate (or letter) must follow [KYC-E3], shown to the user and the
/// reviewer's checklist.
pub const PHOTO_RULES: [&str; 4] = [
    "请提供证件原件彩色照片、彩色扫描件或加盖公章鲜章的复印件（暂不支持电子章）。 A colour photo or colour scan of the original, or a copy with a fresh red company seal (no electronic seal).",
    "若有水印或用途说明，仅限与本云业务相关。 Watermarks or notes of purpose only about this cloud's services.",
    "需正面拍摄，露出证件四角且清晰、完整，文字/盖章清晰可辨认。不得翻拍、截图、镜像、PS。 Shot from the front, all four corners visible, clear and complete, text and seals legible; no re-photographed, screenshot, mirrored or edited image.",
    "格式要求jpg、jpeg、png，不超过4MB。 JPG, JPEG or PNG, at most 4 MB.",
];

/// The organisation types and their certificates (the seed's list of 18) [KYC-E2].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    Enterprise,
    IndividualBusiness,
    LawFirm,
    PublicInstitution,
    GovernmentOrgan,
    SocialGroup,
    SocialServiceOrganisation,
    Foundation,
    PrivateNonEnterprise,
    GrassrootsSelfGovernance,
    OwnersAssembly,
    ForeignCulturalCentre,
    ReligiousVenue,
    TradeUnion,
    JudicialAppraisal,
    RuralCollectiveEconomic,
    GrassrootsLegalService,
    ForeignNgoOffice,
}

impl OrgType {
    pub const ALL: [OrgType; 18] = [
        OrgType::Enterprise,
        OrgType::IndividualBusiness,
        OrgType::LawFirm,
        OrgType::PublicInstitution,
        OrgType::GovernmentOrgan,
        OrgType::SocialGroup,
        OrgType::SocialServiceOrganisation,
        OrgType::Foundation,
        OrgType::PrivateNonEnterprise,
        OrgType::GrassrootsSelfGovernance,
        OrgType::OwnersAssembly,
        OrgType::ForeignCulturalCentre,
        OrgType::ReligiousVenue,
        OrgType::TradeUnion,
        OrgType::JudicialAppraisal,
        OrgType::RuralCollectiveEconomic,
        OrgType::GrassrootsLegalService,
        OrgType::ForeignNgoOffice,
    ];

    /// The type's name and its certificate's, as the seed writes them.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            OrgType::Enterprise => ("企业", "营业执照"),
            OrgType::IndividualBusiness => ("个体工商户", "营业执照"),
            OrgType::LawFirm => ("律师事务所", "律师事务所执业许可证"),
            OrgType::PublicInstitution => ("事业单位", "事业单位法人证书"),
            OrgType::GovernmentOrgan => ("机关", "统一社会信用代码证书"),
            OrgType::SocialGroup => ("社会团体", "社会团体法人登记证书"),
            OrgType::SocialServiceOrganisation => ("社会服务机构", "社会服务机构登记证书"),
            OrgType::Foundation => ("基金会", "基金会法人登记证书"),
            OrgType::PrivateNonEnterprise => ("民办非企业单位", "民办非企业单位登记证书"),
            OrgType::GrassrootsSelfGovernance => {
                ("群众性自治组织（村、居民委员会）", "基层群众性自治组织特别法人统一社会信用代码证书")
            }
            OrgType::OwnersAssembly => ("业主大会", "业主大会统一社会信用代码证书"),
            OrgType::ForeignCulturalCentre => ("外国在华文化中心", "外国在华文化中心登记证"),
            OrgType::ReligiousVenue => ("宗教活动场所", "宗教活动场所登记证"),
            OrgType::TradeUnion => ("工会法人", "工会法人资格证书"),
            OrgType::JudicialAppraisal => ("司法鉴定", "司法鉴定许可证"),
            OrgType::RuralCollectiveEconomic => ("农村集体经济组织", "农村集体经济组织登记证"),
            OrgType::GrassrootsLegalService => ("基层法律服务所", "基层法律服务所执业证"),
            OrgType::ForeignNgoOffice => ("境外非政府组织代表机构", "境外非政府组织代表机构登记证书"),
        }
    }

    /// A company (enterprise or individual business, both on a business licence): the legal
    /// representative's passing face check verifies it at once; any other organisation goes to
    /// manual review [KYC-E4].
    pub fn is_company(self) -> bool {
        matches!(self, OrgType::Enterprise | OrgType::IndividualBusiness)
    }

    /// A general enterprise (一般企业类): the only kind that may have VAT special invoices.
    pub fn is_general_enterprise(self) -> bool {
        self == OrgType::Enterprise
    }

    /// The types a code's first two characters (registration authority and kind, GB 32100-2015
    /// table 1) may stand for; empty where this table does not say (the registry decides).
    pub fn of_code_kind(kind: &str) -> &'static [OrgType] {
        match kind {
            "91" | "93" => &[OrgType::Enterprise],
            "92" => &[OrgType::IndividualBusiness],
            "11" => &[OrgType::GovernmentOrgan],
            "12" => &[OrgType::PublicInstitution],
            "31" => &[OrgType::LawFirm],
            "33" => &[OrgType::GrassrootsLegalService],
            "34" => &[OrgType::JudicialAppraisal],
            "51" => &[OrgType::SocialGroup],
            "52" => &[OrgType::SocialServiceOrganisation, OrgType::PrivateNonEnterprise],
            "53" => &[OrgType::Foundation],
            "71" => &[OrgType::ReligiousVenue],
            "81" => &[OrgType::TradeUnion],
            "N1" | "N2" | "N3" => &[OrgType::RuralCollectiveEconomic],
            _ => &[],
        }
    }
}

/// The three methods [KYC-E1].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    LegalFace,
    CorporateTransfer,
    Recharge,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::LegalFace, Method::CorporateTransfer, Method::Recharge];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::LegalFace => "legal_face",
            Method::CorporateTransfer => "corporate_transfer",
            Method::Recharge => "recharge",
        }
    }

    /// The processing time the seed gives for the method.
    pub fn processing_time(self) -> &'static str {
        match self {
            Method::LegalFace => {
                "a company is verified as soon as the face check passes; any other organisation is reviewed by a person within 2 working days after it"
            }
            Method::CorporateTransfer => {
                "the deposit (0.01-1.00 CNY) usually arrives within 0-2 days; enter it within 8 days of its arrival; an entry that hits a risk rule is reviewed within 2 working days"
            }
            Method::Recharge => {
                "transfer the amount shown within 3 days; the application is decided when the transfer arrives"
            }
        }
    }
}

/// Who does the face check of the legal-representative method [KYC-E4].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    LegalRepresentative,
    /// An employee the legal representative authorised by a stamped letter (other organisations).
    AuthorisedPerson,
    /// The handler of a corporate transfer.
    Handler,
}

/// A person's name and ID number as stored: encrypted, and masked for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedPerson {
    pub name_encrypted: String,
    pub name_masked: String,
    pub id_number_encrypted: String,
    pub id_number_masked: String,
    /// The document's type (any of KYC-P2's; records before it were mainland ID cards).
    #[serde(default)]
    pub document_type: crate::domain::identity::DocumentType,
}

/// The organisation a change of subject hands the account to [CHG-3].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSubject {
    pub org_type: OrgType,
    pub name: String,
    pub uscc: Uscc,
}

/// The organisation an application names. Its name and code are public registry data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub org_type: OrgType,
    pub name: String,
    pub uscc: Uscc,
    pub legal_representative: SealedPerson,
}

/// A verified organisation as kept on the account [KYC-E7]: never removed, never turned personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseIdentity {
    pub method: Method,
    pub org_type: OrgType,
    pub name: String,
    pub uscc: Uscc,
    pub legal_representative_masked: String,
    pub application_id: FlowId,
    pub verified_at: DateTime<Utc>,
}

/// Whether a payer's name, as the bank reports it, is the organisation's registered name: both
/// compared in NFKC (full-width （） and half-width () alike, full-width Latin letters as ASCII),
/// without spaces, Latin letters in any case [KYC-E6]. Nothing else is forgiven.
pub fn same_payer_name(reported: &str, registered: &str) -> bool {
    fn normal(name: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        name.nfkc().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
    }
    normal(reported) == normal(registered)
}

#[cfg(test)]
mod payer_name_tests {
    use super::same_payer_name;

    #[test]
    fn brackets_spaces_and_case_compare_equal_and_nothing_else_does() {
        let registered = "云杉（北京）数据科技有限公司";
        assert!(same_payer_name("云杉(北京)数据科技有限公司", registered));
        assert!(same_payer_name(" 云杉 ( 北京 ) 数据科技有限公司 ", registered));
        assert!(same_payer_name("ABC（中国）有限公司", "abc(中国)有限公司"));
        assert!(same_payer_name("ＡＢＣ有限公司", "abc有限公司"), "full-width Latin letters");
        assert!(!same_payer_name("云杉（上海）数据科技有限公司", registered));
        assert!(!same_payer_name("云杉数据科技有限公司", registered));
    }
}

/// Why an application failed, with the seed's own message where it quotes one, and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The payout provider could not pay: the bank's name is wrong.
    BankName,
    /// The payout provider could not pay: the account's name and number do not match.
    NameMismatch,
    /// The payout provider could not pay: the account cannot receive such transfers.
    AccountUnsupported,
    /// Too many wrong amounts were entered.
    WrongAmount,
    /// The deposit was never reported arrived (nor failed).
    DepositNeverArrived,
    /// The amount was not entered within 8 days of its arrival.
    AmountNotEntered,
    /// The recharge arrived with another amount, from another name, or late.
    TransferMismatch,
    /// No recharge arrived within 3 days.
    NoTransfer,
    /// The account was verified meanwhile (by another application).
    Superseded,
    /// No face check passed within a day of the application [KYC-E4, LIFE-1].
    FaceNotPassed,
    /// A reviewer rejected it (the case names why) [KYC-E4, KYC-E5].
    Rejected,
    /// Its owner withdrew it [LIFE-1].
    Withdrawn,
}

impl Failure {
    /// The message shown, the seed's words first.
    pub fn message(self) -> &'static str {
        match self {
            Failure::BankName => "付款银行名称有误，请联系账号信息是否准确 (the bank's name is wrong: check the account's details)",
            Failure::NameMismatch => {
                "收款账户名称和账户号码不一致，请核实账户信息是否准确，频繁发起认证申请，请核实账户信息是否准确 (the account's name and number do not match: check the account's details before applying again)"
            }
            Failure::AccountUnsupported => "收款账户不支持此业务 (the account cannot receive this kind of transfer)",
            Failure::WrongAmount => "the amount entered was wrong too many times",
            Failure::DepositNeverArrived => "the deposit did not arrive",
            Failure::AmountNotEntered => "the amount was not entered within 8 days of its arrival",
            Failure::TransferMismatch | Failure::NoTransfer => {
                "请确认您已通过预留的对公银行账户转入该笔款项，并确认金额与系统生成的一致。 (transfer exactly the amount shown, from a bank account in the organisation's exact name, within 3 days)"
            }
            Failure::Superseded => "the account was verified by another application",
            Failure::FaceNotPassed => "no face check passed within a day of the application",
            Failure::Rejected => "a reviewer did not approve the application",
            Failure::Withdrawn => "you withdrew the application",
        }
    }

    /// What to do next.
    pub fn advice(self) -> &'static str {
        match self {
            Failure::BankName | Failure::NameMismatch => {
                "check the bank, the account number and the organisation's name with the account's bank, then start a new application"
            }
            Failure::AccountUnsupported => "use another corporate account, or another method",
            Failure::WrongAmount | Failure::DepositNeverArrived => {
                "start a new application; if the deposit never arrives, check the account with your bank"
            }
            Failure::AmountNotEntered => "start a new application and enter the amount within 8 days of its arrival",
            Failure::TransferMismatch | Failure::NoTransfer => {
                "start a new recharge application; any money received is already in the account's balance"
            }
            Failure::Superseded => "nothing: the account is verified",
            Failure::FaceNotPassed => "start a new application and pass the face check within a day",
            Failure::Rejected => "correct what the reviewer names, then start a new application",
            Failure::Withdrawn => "start a new application when you are ready",
        }
    }
}

/// What the seed says when the legal representative's face check fails.
pub const FACE_FAILURE_ADVICE: &str = "确认是否是法人本人刷脸，填写的个人信息（姓名，身份证号）是否与本人信息相符；如信息确认填写完整正确，可建议更换手机或者更换扫码刷脸app再次尝试；如多次均失败建议更换认证方式。 (make sure the right person does the face check with matching name and ID number; try another phone or app; after repeated failures use another method)";

/// What the registry check refuses, with the seed's words.
pub const REGISTRY_NOT_FOUND: &str = "未查到工商信息，请核对企业类型或上送的信息是否正确";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighteen_types_each_with_its_certificate() {
        let names: std::collections::BTreeSet<_> = OrgType::ALL.iter().map(|t| t.names().0).collect();
        assert_eq!(names.len(), 18);
        assert_eq!(OrgType::PrivateNonEnterprise.names().1, "民办非企业单位登记证书");
        assert!(OrgType::Enterprise.is_company() && OrgType::IndividualBusiness.is_company());
        assert!(!OrgType::Foundation.is_company());
        assert!(OrgType::Enterprise.is_general_enterprise() && !OrgType::IndividualBusiness.is_general_enterprise());
    }

    #[test]
    fn the_code_kind_names_the_possible_types() {
        assert_eq!(OrgType::of_code_kind("91"), &[OrgType::Enterprise]);
        assert!(OrgType::of_code_kind("52").contains(&OrgType::PrivateNonEnterprise));
        assert!(OrgType::of_code_kind("Y1").is_empty());
    }
}
