//! Cloud accounts.

pub mod read_account;
pub mod register_account;
