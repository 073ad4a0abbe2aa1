//! Console sessions.

pub mod sign_in;
pub mod sign_out;
