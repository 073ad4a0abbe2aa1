//! Account security: settings, protection, step-up and password.

pub mod change_password;
pub mod read_security;
pub mod send_step_up_code;
pub mod set_protection;
pub mod set_session_settings;
pub mod step_up;
