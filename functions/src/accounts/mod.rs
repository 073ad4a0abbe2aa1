//! Cloud accounts.

pub mod activate;
pub mod read_account;
pub mod register_account;
