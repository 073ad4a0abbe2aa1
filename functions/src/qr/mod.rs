//! QR-code sign-in [LOGIN-2].

pub mod app_steps;
pub mod issue_ticket;
pub mod poll_ticket;
