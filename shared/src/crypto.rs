//! Keys and the few cryptographic operations the account centre needs: keyed hashes for look-ups
//! of personal data, field encryption (AES-256-GCM), signed access tokens (HS256 JWT) and
//! password hashing (argon2id at OWASP's parameters).

use crate::error::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::{rngs::OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

const TOKEN_ISSUER: &str = "account-centre";

/// The service's secret material, loaded once per cold start. The field-encryption (data) key is
/// given only to the functions that handle personal data: without it, `encrypt` and `decrypt` fail.
#[derive(Clone)]
pub struct Keys {
    pepper: Vec<u8>,
    cipher: Option<Aes256Gcm>,
    jwt_encoding: EncodingKey,
    jwt_decoding: DecodingKey,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

/// Claims of an access token; the session it names must also be alive server-side.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenClaims {
    pub sub: String,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

/// An encrypted field as [`Keys::decrypt`] takes it: the stored text, or the result of
/// [`Keys::encrypt`].
pub trait Sealed {
    fn sealed_text(&self) -> Result<&str>;
}

impl Sealed for str {
    fn sealed_text(&self) -> Result<&str> {
        Ok(self)
    }
}

impl Sealed for String {
    fn sealed_text(&self) -> Result<&str> {
        Ok(self)
    }
}

impl Sealed for Result<String> {
    fn sealed_text(&self) -> Result<&str> {
        self.as_deref().map_err(|e| Error::internal("the field was not encrypted", e.to_string()))
    }
}

impl Keys {
    pub fn new(pepper: &[u8], data_key: &[u8; 32], jwt_secret: &[u8]) -> Self {
        Keys { cipher: Some(Aes256Gcm::new(data_key.into())), ..Self::without_data_key(pepper, jwt_secret) }
    }

    /// Keys for a function that handles no personal data: no field encryption.
    pub fn without_data_key(pepper: &[u8], jwt_secret: &[u8]) -> Self {
        Keys {
            pepper: pepper.to_vec(),
            cipher: None,
            jwt_encoding: EncodingKey::from_secret(jwt_secret),
            jwt_decoding: DecodingKey::from_secret(jwt_secret),
        }
    }

    /// The same keys without the data key.
    pub fn dropping_data_key(&self) -> Self {
        Keys { cipher: None, ..self.clone() }
    }

    pub fn has_data_key(&self) -> bool {
        self.cipher.is_some()
    }

    fn cipher(&self) -> Result<&Aes256Gcm> {
        self.cipher.as_ref().ok_or_else(|| {
            Error::internal(
                "this function was not given the data key",
                "its row in the functions' lambdas table says `data_key: false`",
            )
        })
    }

    /// HMAC-SHA256 of `value` under the pepper, separated by `domain`; hex. Used as a look-up key
    /// for personal data (phone numbers, source addresses) so keys never hold the raw value.
    #[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
    pub fn keyed_hash(&self, domain: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.pepper).expect("HMAC takes any key length");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Encrypts a personal field: base64(nonce || ciphertext+tag).
    pub fn encrypt(&self, plaintext: &str) -> Result<String> {
        let cipher = self.cipher()?;
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| Error::internal("encrypt a field", "aead failure"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(B64.encode(out))
    }

    /// Decrypts a stored field (or, straight, what [`Keys::encrypt`] answered).
    pub fn decrypt(&self, sealed: &(impl Sealed + ?Sized)) -> Result<String> {
        let cipher = self.cipher()?;
        let sealed = sealed.sealed_text()?;
        let raw = B64.decode(sealed).map_err(|e| Error::internal("stored field is not base64", e))?;
        if raw.len() < 12 {
            return Err(Error::internal("stored field too short", "ciphertext shorter than a nonce"));
        }
        let (nonce, body) = raw.split_at(12);
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| Error::internal("stored field does not decrypt", "aead failure"))?;
        String::from_utf8(plain).map_err(|e| Error::internal("stored field is not utf-8", e))
    }

    #[allow(clippy::expect_used, reason = "HS256 signing of these claims cannot fail")]
    pub fn issue_token(&self, account_id: &str, session_id: &str, issued_at: i64, expires_at: i64) -> String {
        let claims = TokenClaims {
            sub: account_id.into(),
            sid: session_id.into(),
            iat: issued_at,
            exp: expires_at,
            iss: TOKEN_ISSUER.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.jwt_encoding)
            .expect("HS256 signing cannot fail")
    }

    /// Verifies signature, issuer and expiry (against the service clock, not the system's).
    pub fn verify_token(&self, token: &str, now: i64) -> Option<TokenClaims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false; // checked below against the service clock
        validation.set_issuer(&[TOKEN_ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        let claims = jsonwebtoken::decode::<TokenClaims>(token, &self.jwt_decoding, &validation).ok()?.claims;
        (claims.exp > now).then_some(claims)
    }
}

pub mod password {
    //! argon2id with the crate's defaults, which are OWASP's minimum: m = 19 MiB, t = 2, p = 1.

    use crate::domain::password::Password;
    use crate::error::{Error, Result};
    use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};

    pub const MEMORY_KIB: u32 = 19 * 1024;
    pub const ITERATIONS: u32 = 2;
    pub const PARALLELISM: u32 = 1;

    #[allow(clippy::expect_used, reason = "the parameters are constants within argon2's bounds")]
    fn argon2() -> Argon2<'static> {
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters"),
        )
    }

    /// A well-formed hash with the same parameters whose preimage nobody knows: verifying against it
    /// costs what a real verification costs, so an unknown username answers in the same time as a
    /// wrong password [LOGIN-1].
    pub const DUMMY_HASH: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Gj0gqJJx8Nn1yJm5bQ4HHq8vTD2BWfnUkqVvmsL5q2w";

    /// Runs argon2 work on a blocking thread, at most one per core at a time: more at once only
    /// share the cores and each other's memory bandwidth, so each costs more CPU and all finish
    /// later (issue 15: twenty sign-ins at once on two cores took 1.44 times one verification's
    /// CPU per request without this, about 1.2 with it). A Lambda serves one request at a time;
    /// a process serving many (the local gateway) queues them here.
    async fn on_a_core<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        static CORES: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
        let cores = CORES.get_or_init(|| {
            tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
        });
        let _permit = cores.acquire().await.map_err(|e| Error::internal("password hashing queue", e))?;
        tokio::task::spawn_blocking(work).await.map_err(|e| Error::internal("password hashing task failed", e))?
    }

    /// Hashes on a blocking thread (argon2 takes tens of milliseconds of CPU).
    pub async fn hash(password: &Password) -> Result<String> {
        let pw = password.clone();
        on_a_core(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(pw.expose().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::internal("password hashing failed", e.to_string()))
        })
        .await
    }

    /// Verifies on a blocking thread; `None` verifies against the dummy hash and returns false.
    pub async fn verify(password: &Password, stored: Option<&str>) -> Result<bool> {
        let pw = password.clone();
        let real = stored.is_some();
        let phc = stored.unwrap_or(DUMMY_HASH).to_owned();
        on_a_core(move || {
            let parsed = PasswordHash::new(&phc)
                .map_err(|e| Error::internal("stored password hash is malformed", e.to_string()))?;
            Ok(argon2().verify_password(pw.expose().as_bytes(), &parsed).is_ok() && real)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::password::Password;

    fn keys() -> Keys {
        Keys::new(b"pepper-pepper-pepper-pepper-0001", &[7u8; 32], b"jwt-secret-jwt-secret-jwt-secret")
    }

    #[test]
    fn keyed_hash_separates_domains_and_hides_the_value() {
        let k = keys();
        assert_eq!(k.keyed_hash("phone", "+8613800001234"), k.keyed_hash("phone", "+8613800001234"));
        assert_ne!(k.keyed_hash("phone", "+8613800001234"), k.keyed_hash("ip", "+8613800001234"));
        assert!(!k.keyed_hash("phone", "+8613800001234").contains("13800001234"));
    }

    #[test]
    fn fields_round_trip_and_do_not_show_plaintext() {
        let k = keys();
        let sealed = k.encrypt("+8613800001234").unwrap();
        assert!(!sealed.contains("13800001234"));
        assert_ne!(sealed, k.encrypt("+8613800001234").unwrap(), "nonces differ");
        assert_eq!(k.decrypt(&sealed).unwrap(), "+8613800001234");
        let other = Keys::new(b"p", &[8u8; 32], b"j");
        assert!(other.decrypt(&sealed).is_err());
    }

    #[test]
    fn without_the_data_key_fields_neither_encrypt_nor_decrypt_but_hashes_and_tokens_work() {
        let k = keys();
        let sealed = k.encrypt("+8613800001234").unwrap();
        let keyless = k.dropping_data_key();
        assert!(!keyless.has_data_key());
        for err in [keyless.encrypt("x").unwrap_err(), keyless.decrypt(&sealed).unwrap_err()] {
            assert!(matches!(err, Error::Internal { context: "this function was not given the data key", .. }));
        }
        assert_eq!(keyless.keyed_hash("phone", "+8613800001234"), k.keyed_hash("phone", "+8613800001234"));
        let token = keyless.issue_token("acct", "sess", 1_000, 2_000);
        assert_eq!(k.verify_token(&token, 1_500).unwrap().sub, "acct");
        let fresh = Keys::without_data_key(b"pepper-pepper-pepper-pepper-0001", b"jwt-secret-jwt-secret-jwt-secret");
        assert_eq!(fresh.verify_token(&token, 1_500).unwrap().sid, "sess");
        assert!(fresh.decrypt(&sealed).is_err());
    }

    #[test]
    fn tokens_verify_until_expiry_against_the_given_clock() {
        let k = keys();
        let t = k.issue_token("acct", "sess", 1_000, 2_000);
        assert_eq!(k.verify_token(&t, 1_999).unwrap().sid, "sess");
        assert!(k.verify_token(&t, 2_000).is_none());
        let forged =
            Keys::new(b"p", &[7u8; 32], b"another-secret-another-secret-xx").issue_token("acct", "sess", 1_000, 2_000);
        assert!(k.verify_token(&forged, 1_500).is_none());
        assert!(k.verify_token("not-a-token", 1_500).is_none());
    }

    #[tokio::test]
    async fn argon2id_round_trip_and_dummy_never_matches() {
        let pw = Password::new("Velvet-Harbor-42".into());
        let h = password::hash(&pw).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(password::verify(&pw, Some(&h)).await.unwrap());
        assert!(!password::verify(&Password::new("wrong-password-1".into()), Some(&h)).await.unwrap());
        assert!(!password::verify(&pw, None).await.unwrap());
    }
}
