//! Virtual MFA [MFA-1, MFA-3, MFA-4, MFA-6]: RFC 6238 TOTP, SHA-1, 6 digits, 30-second steps
//! (what Google Authenticator and its kin use). The server's clock decides.
//!
//! Window: a code is accepted for the current step and one step either side (±30 s of clock
//! drift). A step once accepted is never accepted again for the account: only steps after the
//! last accepted one pass. Binding needs two codes of consecutive steps, the later one within
//! the window.

use chrono::{DateTime, Utc};
use rand::{rngs::OsRng, RngCore};
use std::fmt;
use totp_rs::{Algorithm, Secret, TOTP};

pub const DIGITS: usize = 6;
pub const STEP_SECS: u64 = 30;
const STEP_SECS_I32: i32 = 30;
/// Steps accepted either side of the current one.
pub const WINDOW_STEPS: i64 = 1;
pub const ISSUER: &str = "Cloud";

/// A TOTP seed (160 bits). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 20];
        OsRng.fill_bytes(&mut bytes);
        TotpSecret(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        TotpSecret(bytes)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 (no padding), as authenticator apps take it.
    pub fn base32(&self) -> String {
        Secret::Raw(self.0.clone()).to_encoded().to_string()
    }

    fn totp(&self, label: &str) -> TOTP {
        TOTP::new_unchecked(
            Algorithm::SHA1,
            DIGITS,
            0,
            STEP_SECS,
            self.0.clone(),
            Some(ISSUER.into()),
            label.replace(':', "_"),
        )
    }

    /// The code of a time step.
    pub fn code_at_step(&self, step: i64) -> String {
        self.totp("").generate(u64::try_from(step).unwrap_or(0) * STEP_SECS)
    }

    /// `otpauth://totp/Cloud:<label>?secret=...&issuer=Cloud...`
    pub fn otpauth_uri(&self, label: &str) -> String {
        self.totp(label).get_url()
    }
}

/// The otpauth URI of a secret another party chose (the staff pool's), carried verbatim as
/// base32: `otpauth://totp/Cloud:<label>?secret=...&issuer=Cloud`.
pub fn otpauth_uri_of(secret_base32: &str, label: &str) -> String {
    let path: String = url::form_urlencoded::byte_serialize(format!("{ISSUER}:{}", label.replace(':', "_")).as_bytes())
        .collect::<String>()
        .replace('+', "%20")
        .replace("%3A", ":");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("secret", &secret_base32.to_ascii_uppercase())
        .append_pair("issuer", ISSUER)
        .finish();
    format!("otpauth://totp/{path}?{query}")
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

pub fn step_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(i64::from(STEP_SECS_I32))
}

fn equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The step `code` belongs to, if it is within the window and later than `last_used_step`.
pub fn accept(secret: &TotpSecret, code: &str, now: DateTime<Utc>, last_used_step: Option<i64>) -> Option<i64> {
    let current = step_of(now);
    (current - WINDOW_STEPS..=current + WINDOW_STEPS)
        .filter(|step| last_used_step.is_none_or(|last| *step > last))
        .find(|step| equal(&secret.code_at_step(*step), code))
}

/// Binding [MFA-3]: the step of the second of two consecutive codes, if they are.
pub fn accept_consecutive(secret: &TotpSecret, first: &str, second: &str, now: DateTime<Utc>) -> Option<i64> {
    let current = step_of(now);
    (current - WINDOW_STEPS..=current + WINDOW_STEPS)
        .find(|step| equal(&secret.code_at_step(*step), second) && equal(&secret.code_at_step(step - 1), first))
}

/// The otpauth URI as a QR code: an SVG image in a data URI.
pub fn qr_svg_data_uri(uri: &str) -> String {
    use base64::Engine;
    let svg = qrcode::QrCode::new(uri.as_bytes())
        .map(|code| code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default();
    format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    /// RFC 6238 Appendix B: the 20-, 32- and 64-byte keys, 8 digits, 30-second steps.
    #[test]
    fn rfc6238_appendix_b_vectors() {
        let sha1 = b"12345678901234567890".to_vec();
        let sha256 = b"12345678901234567890123456789012".to_vec();
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".to_vec();
        let vectors: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (time, c1, c256, c512) in vectors {
            let gen = |alg, key: &Vec<u8>| {
                TOTP::new_unchecked(alg, 8, 0, 30, key.clone(), None, String::new()).generate(time)
            };
            assert_eq!(gen(Algorithm::SHA1, &sha1), c1, "SHA1 at {time}");
            assert_eq!(gen(Algorithm::SHA256, &sha256), c256, "SHA256 at {time}");
            assert_eq!(gen(Algorithm::SHA512, &sha512), c512, "SHA512 at {time}");
        }
    }

    #[test]
    fn another_partys_secret_is_carried_verbatim_in_its_uri() {
        let uri = otpauth_uri_of("jbswy3dpehpk3pxp", "staff ann:lee");
        assert_eq!(uri, "otpauth://totp/Cloud:staff%20ann_lee?secret=JBSWY3DPEHPK3PXP&issuer=Cloud");
        let ours = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        assert_eq!(otpauth_uri_of(&ours.base32(), "ann"), ours.otpauth_uri("ann"));
    }

    #[test]
    fn the_window_is_one_step_either_side() {
        let s = TotpSecret::from_bytes(b"12345678901234567890".to_vec());
        let now = at(1_000_000_005); // step 33333333, 5 s into it
        let step = step_of(now);
        assert_eq!(accept(&s, &s.code_at_step(step), now, None), Some(step));
        assert_eq!(accept(&s, &s.code_at_step(step - 1), now, None), Some(step - 1));
        assert_eq!(accept(&s, &s.code_at_step(step + 1), now, None), Some(step + 1));
        assert_eq!(accept(&s, &s.code_at_step(step - 2), now, None), None);
        assert_eq!(accept(&s, &s.code_at_step(step + 2), now, None), None);
        assert_eq!(accept(&s, "12345", now, None), None);
    }

    #[test]
    fn a_step_once_used_is_never_accepted_again() {
        let s = TotpSecret::generate();
        let now = at(1_700_000_000);
        let step = step_of(now);
        let code = s.code_at_step(step);
        assert_eq!(accept(&s, &code, now, None), Some(step));
        assert_eq!(accept(&s, &code, now, Some(step)), None);
        assert_eq!(accept(&s, &s.code_at_step(step - 1), now, Some(step)), None, "nor an earlier step");
        assert_eq!(accept(&s, &s.code_at_step(step + 1), now, Some(step)), Some(step + 1));
    }

    #[test]
    fn binding_needs_two_consecutive_codes() {
        let s = TotpSecret::generate();
        let now = at(1_700_000_000);
        let step = step_of(now);
        assert_eq!(accept_consecutive(&s, &s.code_at_step(step - 1), &s.code_at_step(step), now), Some(step));
        assert_eq!(
            accept_consecutive(&s, &s.code_at_step(step), &s.code_at_step(step), now),
            None,
            "the same code twice"
        );
        assert_eq!(
            accept_consecutive(&s, &s.code_at_step(step - 2), &s.code_at_step(step), now),
            None,
            "not consecutive"
        );
        assert_eq!(accept_consecutive(&s, &s.code_at_step(step), &s.code_at_step(step - 1), now), None, "wrong order");
        assert_eq!(accept_consecutive(&s, &s.code_at_step(step - 5), &s.code_at_step(step - 4), now), None, "too old");
    }

    #[test]
    fn uri_secret_and_qr() {
        let s = TotpSecret::generate();
        let uri = s.otpauth_uri("alice");
        assert!(uri.starts_with("otpauth://totp/Cloud:alice?secret="), "{uri}");
        assert!(uri.contains(&s.base32()));
        assert!(qr_svg_data_uri(&uri).starts_with("data:image/svg+xml;base64,"));
        assert!(!format!("{s:?}").contains(&s.base32()));
    }
}
