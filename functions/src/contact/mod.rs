//! Account and security information: profile, bound phone, bound email, notifications.

pub mod bind_email;
pub mod change_phone;
pub mod send_email_code;
pub mod set_notifications;
pub mod update_profile;
