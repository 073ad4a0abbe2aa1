//! Recovery: captchas, forgotten passwords, forgotten accounts [REC-1..REC-4].

pub mod account_lookup;
pub mod issue_captcha;
pub mod password_reset;
