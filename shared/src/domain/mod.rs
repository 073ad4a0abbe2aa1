//! Pure domain: newtypes that cannot hold bad values, and rules that take `now` as an argument.
//! Nothing here awaits or performs I/O.

pub mod account;
pub mod agreements;
pub mod bank_card;
pub mod captcha;
pub mod code;
pub mod email;
pub mod identity;
pub mod ids;
pub mod kyc;
pub mod password;
pub mod phone;
pub mod qr_login;
pub mod security;
pub mod session;
pub mod throttle;
pub mod totp;
pub mod username;
