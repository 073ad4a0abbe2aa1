//! Deleting the account [DEL-1..DEL-3]: the condition check (with the deletion agreement), then
//! the second confirmation.

pub mod check;
pub mod confirm;
