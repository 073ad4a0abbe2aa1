//! JSON Schemas of the domain newtypes that request bodies carry (the API description,
//! `infra/openapi.json`): each is a string on the wire; the pattern or format says what the parser
//! accepts where that is simple, the parser stays the authority (a refusal is `422 INVALID_FIELD`).

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

macro_rules! string_schema {
    ($($ty:ty => $name:literal { $($key:literal: $value:expr),* $(,)? })*) => {$(
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", $($key: $value),* })
            }
        }
    )*};
}

string_schema! {
    super::phone::Phone => "Phone" {
        "description": "a mainland mobile number (11 digits, `+86` optional) or `+<country code><number>`",
        "pattern": "^(\\+[1-9][0-9]{7,14}|1[3-9][0-9]{9})$",
        "example": "13800001234",
    }
    super::code::Code => "Code" { "description": "a 6-digit verification code", "pattern": "^[0-9]{6}$", "example": "123456" }
    super::code::Purpose => "CodePurpose" {
        "description": "what the SMS code is for",
        "enum": ["register", "bank-card", "passport-sign-in", "phone-rebind", "receiving-account"],
    }
    super::username::Username => "Username" {
        "description": "4-32 characters: a letter, then letters, digits, `_`, `-`, `.`",
        "pattern": "^[A-Za-z][A-Za-z0-9_.-]{3,31}$",
        "example": "alice_01",
    }
    super::password::Password => "Password" {
        "description": "8-64 characters, not containing the username, not a common password, two of letters/digits/symbols",
        "example": "Velvet-Harbor-42",
    }
    super::email::Email => "Email" { "format": "email", "maxLength": 254, "example": "li@pku.edu.cn" }
    super::identity::PersonName => "PersonName" { "description": "a person's name as on the document", "example": "张三" }
    super::bank_card::BankCard => "BankCard" {
        "description": "a UnionPay card number: 16-19 digits, prefix 62 or 81, Luhn check digit",
        "pattern": "^(62|81)[0-9]{14,17}$",
        "example": "6222020000000000000",
    }
    super::ids::AccountId => "AccountId" { "description": "an account id (32 hex characters)" }
    super::ids::SessionId => "SessionId" { "description": "a session id" }
    super::ids::FlowId => "FlowId" { "description": "the id of a multi-step flow (sign-in, binding, captcha, ...)" }
    super::ids::ChallengeId => "ChallengeId" { "description": "the id of a verification code sent" }
}
