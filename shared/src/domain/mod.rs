//! Pure domain: newtypes that cannot hold bad values, and rules that take `now` as an argument.
//! Nothing here awaits or performs I/O.

pub mod account;
pub mod agreements;
pub mod appeal;
pub mod bank_card;
pub mod calendar;
pub mod captcha;
pub mod case;
pub mod change;
pub mod code;
pub mod deletion;
pub mod email;
pub mod enterprise;
pub mod flow;
pub mod identity;
pub mod ids;
pub mod kyc;
pub mod login;
pub mod passkey;
pub mod password;
pub mod phone;
pub mod phone_change;
pub mod qr_login;
pub mod recovery;
pub mod redacted;
pub mod schema;
pub mod security;
pub mod session;
pub mod sign_in;
pub mod staff;
pub mod sub_user;
pub mod third_party;
pub mod throttle;
pub mod totp;
pub mod upload;
pub mod username;

/// A wait told to a client (`Retry-After`): whole seconds, at least one.
pub fn whole_seconds(d: chrono::Duration) -> u64 {
    u64::try_from(d.num_seconds()).unwrap_or(0).max(1)
}
