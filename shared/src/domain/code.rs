//! One-time verification codes sent by SMS: 6 digits from the CSPRNG, bound to a purpose and a
//! request, single use, expiring, with a limit on wrong attempts; sends are rate-limited.

use chrono::{DateTime, Duration, Utc};
use rand::{rngs::OsRng, Rng};
use std::fmt;

pub const CODE_LEN: usize = 6;
/// An SMS code is valid for 10 minutes.
pub const SMS_CODE_TTL: Duration = Duration::minutes(10);
/// At most 5 wrong tries per code.
pub const MAX_ATTEMPTS: u32 = 5;
/// One send per phone per minute...
pub const PHONE_SEND_SPACING: Duration = Duration::seconds(60);
/// ...and at most 10 a day per phone,
pub const PHONE_DAILY_CAP: u32 = 10;
/// and at most 50 a day per caller (source address).
pub const SOURCE_DAILY_CAP: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Purpose {
    Register,
    /// The SMS factor of a sign-in under login protection [LOGIN-3].
    SignIn,
    /// The SMS factor of operation protection [MFA-2].
    StepUp,
    /// The phone reserved with a bank card, for personal verification [KYC-P3].
    BankCard,
    /// The school email of a student verification [STU-1].
    StudentEmail,
    /// Changing the bound phone: first the old phone, then the new one [ACC-2].
    PhoneChangeOld,
    PhoneChangeNew,
    /// Binding or changing the email, sent to the new address [ACC-3].
    EmailBind,
    /// SMS sign-in (or registration) of a passport account [REG-3, LOGIN-2].
    PassportSignIn,
    /// A forgotten password, to the bound phone [REC-1, REC-2].
    PasswordReset,
    /// A forgotten account, to the bound phone [REC-3].
    AccountLookup,
    /// The new phone of a rebind appeal, proven when the appeal is submitted [ACC-4].
    PhoneRebind,
    /// The bound phone, to create the dedicated receiving account of a recharge [KYC-E6].
    ReceivingAccount,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SignIn => "sign-in",
            Purpose::StepUp => "step-up",
            Purpose::BankCard => "bank-card",
            Purpose::StudentEmail => "student-email",
            Purpose::PhoneChangeOld => "phone-change-old",
            Purpose::PhoneChangeNew => "phone-change-new",
            Purpose::EmailBind => "email-bind",
            Purpose::PassportSignIn => "passport-sign-in",
            Purpose::PasswordReset => "password-reset",
            Purpose::AccountLookup => "account-lookup",
            Purpose::PhoneRebind => "phone-rebind",
            Purpose::ReceivingAccount => "receiving-account",
        }
    }

    /// How long a code of this purpose is valid: 10 minutes by SMS, 30 by email (emails may
    /// arrive late).
    pub fn ttl(self) -> Duration {
        match self {
            Purpose::StudentEmail | Purpose::EmailBind => Duration::minutes(30),
            _ => SMS_CODE_TTL,
        }
    }

    /// Parses the purposes a caller may ask `POST /v1/sms-codes` for; the others are sent by
    /// their own flows to the bound phone.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "register" => Ok(Purpose::Register),
            "bank-card" => Ok(Purpose::BankCard),
            "passport-sign-in" => Ok(Purpose::PassportSignIn),
            "phone-rebind" => Ok(Purpose::PhoneRebind),
            // Proven against the account's bound phone when it is consumed [KYC-E6].
            "receiving-account" => Ok(Purpose::ReceivingAccount),
            _ => Err("must be one of: register, bank-card, passport-sign-in, phone-rebind, receiving-account".into()),
        }
    }
}

/// A code as typed or generated: never printed.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct Code(String);

impl Code {
    pub fn generate() -> Self {
        Code(format!("{:06}", OsRng.gen_range(0..1_000_000u32)))
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.len() == CODE_LEN && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Code(raw.to_owned()))
        } else {
            Err(format!("must be {CODE_LEN} digits"))
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Code::parse(&raw)
    }
}

impl TryFrom<String> for Purpose {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Purpose::parse(&raw)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code(<redacted>)")
    }
}

/// The state of a stored code after a wrong or late try, as the client is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    NotFound,
    Expired,
    Used,
    AttemptsExceeded,
    Mismatch { attempts_left: u32 },
}

/// Classifies a stored code once a try has failed. `attempts` counts this try already.
pub fn classify_failure(
    found: bool,
    consumed: bool,
    attempts: u32,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> CodeRefusal {
    if !found {
        CodeRefusal::NotFound
    } else if consumed {
        CodeRefusal::Used
    } else if now >= expires_at {
        CodeRefusal::Expired
    } else if attempts >= MAX_ATTEMPTS {
        CodeRefusal::AttemptsExceeded
    } else {
        CodeRefusal::Mismatch { attempts_left: MAX_ATTEMPTS - attempts }
    }
}

/// China Standard Time: the day a daily cap counts in is the user's (UTC+8, no daylight saving).
const BEIJING: Duration = Duration::hours(8);

/// The Beijing day a daily cap counts in, e.g. `20261128`.
pub fn day_bucket(now: DateTime<Utc>) -> String {
    (now + BEIJING).format("%Y%m%d").to_string()
}

/// Seconds until the next Beijing day starts (16:00 UTC).
pub fn secs_until_next_day(now: DateTime<Utc>) -> u64 {
    let local = now + BEIJING;
    let tomorrow = (local.date_naive() + Duration::days(1)).and_time(chrono::NaiveTime::MIN).and_utc();
    super::whole_seconds(tomorrow - local)
}

/// Codes for anonymous recovery a day, per phone and per asker (stricter: a stranger triggers them).
pub const RECOVERY_DAILY_CAP: u32 = 5;

/// Every code one phone receives in a Beijing day, whatever its purpose and whoever asked
/// (issue 25): the phone's own ceiling, above each purpose's budget.
pub const PHONE_DAY_CEILING: u32 = 10;
/// Of the ceiling, what the purposes anyone can trigger for a phone may spend (registration,
/// SMS sign-in, recovery, look-ups, bank-card and new-phone codes, rebind appeals): the rest
/// ([`PHONE_DAY_CEILING`] - this) is kept for the owner's own sign-in and step-up codes.
pub const STRANGER_DAY_SHARE: u32 = 6;

impl Purpose {
    /// Whether a stranger can ask for this code without proving anything but a captcha: its
    /// budget is counted per asker too, and never spends the owner's [LOGIN-6, REC-4].
    pub fn anonymous(self) -> bool {
        matches!(self, Purpose::PasswordReset | Purpose::AccountLookup)
    }

    /// Whether the code goes to a phone (else to an email address).
    pub fn to_phone(self) -> bool {
        !matches!(self, Purpose::StudentEmail | Purpose::EmailBind)
    }

    /// Whether only the account's owner, proven (password or session), can have this code sent,
    /// to the account's own bound phone: it spends the owner's part of the phone's ceiling.
    pub fn owner_only(self) -> bool {
        matches!(self, Purpose::SignIn | Purpose::StepUp | Purpose::PhoneChangeOld | Purpose::ReceivingAccount)
    }

    /// The codes a phone (or address) may receive a day for this purpose. Each purpose has its own
    /// budget, so codes one asked for never use up those another needs.
    pub fn daily_cap(self) -> u32 {
        if self.anonymous() {
            RECOVERY_DAILY_CAP
        } else {
            PHONE_DAILY_CAP
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_codes_are_six_digits() {
        for _ in 0..100 {
            let c = Code::generate();
            assert!(Code::parse(c.expose()).is_ok());
        }
        assert!(!format!("{:?}", Code::parse("123456").unwrap()).contains("123456"));
    }

    #[test]
    fn failures_are_classified_in_order() {
        let now = Utc::now();
        let later = now + Duration::minutes(1);
        assert_eq!(classify_failure(false, false, 0, later, now), CodeRefusal::NotFound);
        assert_eq!(classify_failure(true, true, 1, later, now), CodeRefusal::Used);
        assert_eq!(classify_failure(true, false, 1, now, now), CodeRefusal::Expired);
        assert_eq!(classify_failure(true, false, 5, later, now), CodeRefusal::AttemptsExceeded);
        assert_eq!(classify_failure(true, false, 2, later, now), CodeRefusal::Mismatch { attempts_left: 3 });
    }

    #[test]
    fn day_rollover() {
        // 15:59:30 UTC is 23:59:30 in Beijing.
        let t = DateTime::parse_from_rfc3339("2026-11-28T15:59:30Z").unwrap().with_timezone(&Utc);
        assert_eq!(day_bucket(t), "20261128");
        assert_eq!(secs_until_next_day(t), 30);
        assert_eq!(day_bucket(t + Duration::seconds(30)), "20261129");
    }

    proptest! {
        #[test]
        fn code_parser_accepts_exactly_six_digits(s in "\\PC{0,8}") {
            let ok = s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(Code::parse(&s).is_ok(), ok);
        }
    }
}
