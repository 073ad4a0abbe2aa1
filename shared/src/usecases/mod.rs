//! Use cases: each takes the services and a parsed request, applies the domain rules and calls
//! the ports. One function per use case; handlers call exactly one.

pub mod account;
pub mod appeals;
pub mod captcha;
pub mod cases;
pub mod change;
pub mod codes;
pub mod contact;
pub mod deletion;
pub mod delivery;
pub mod deps;
pub mod enterprise;
pub mod face_result;
pub mod factors;
pub(crate) mod flows;
pub mod kyc;
pub mod passkeys;
pub mod passport;
pub mod qr_login;
pub mod recovery;
pub mod register;
pub mod review;
pub mod security;
pub mod sessions;
pub mod sign_in;
pub mod sub_users;
pub mod sweep;
pub mod third_party;

/// Where a request came from, as the gateway saw it.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub source_ip: String,
    pub user_agent: String,
}
