//! Keys and the few cryptographic operations the account centre needs: keyed hashes for look-ups
//! of personal data, field encryption (AES-256-GCM), signed access tokens (HS256 JWT) and
//! password hashing (argon2id at OWASP's parameters).

use crate::error::{Error, Result};
use crate::secrets::TokenKeys;
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
use std::sync::Arc;

const TOKEN_ISSUER: &str = "account-centre";

/// The service's secret material, loaded once per cold start, each part only by the functions
/// that need it (their row in the functions' registry): the pepper of keyed hashes, the
/// field-encryption (data) key, the token keys. Without the data key, `encrypt` and `decrypt`
/// fail; without the token keys, issuing and verifying tokens fail.
#[derive(Clone)]
pub struct Keys {
    pepper: Option<Vec<u8>>,
    cipher: Option<Aes256Gcm>,
    tokens: Option<Arc<TokenSigner>>,
}

/// Signs with the current key (its id in the token header's `kid`); verifies with any key
/// it holds (current, previous, next), chosen by the token's `kid`.
struct TokenSigner {
    kid: String,
    encoding: EncodingKey,
    decoding: Vec<(String, DecodingKey)>,
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
    /// Keys from given values (tests): the token key's id is `test`.
    pub fn new(pepper: &[u8], data_key: &[u8; 32], jwt_secret: &[u8]) -> Self {
        Keys { cipher: Some(Aes256Gcm::new(data_key.into())), ..Self::without_data_key(pepper, jwt_secret) }
    }

    /// Keys without the data key, from given values (tests).
    pub fn without_data_key(pepper: &[u8], jwt_secret: &[u8]) -> Self {
        Self::from_parts(
            Some(pepper),
            None,
            Some(&TokenKeys { current: ("test".into(), jwt_secret.to_vec()), others: vec![] }),
        )
    }

    /// The keys a function holds: each part only if it was given.
    pub fn from_parts(pepper: Option<&[u8]>, data_key: Option<&[u8; 32]>, tokens: Option<&TokenKeys>) -> Self {
        Keys {
            pepper: pepper.map(<[u8]>::to_vec),
            cipher: data_key.map(|k| Aes256Gcm::new(k.into())),
            tokens: tokens.map(|t| {
                Arc::new(TokenSigner {
                    kid: t.current.0.clone(),
                    encoding: EncodingKey::from_secret(&t.current.1),
                    decoding: std::iter::once(&t.current)
                        .chain(&t.others)
                        .map(|(kid, key)| (kid.clone(), DecodingKey::from_secret(key)))
                        .collect(),
                })
            }),
        }
    }

    /// The same keys without the data key.
    pub fn dropping_data_key(&self) -> Self {
        Keys { cipher: None, ..self.clone() }
    }

    /// The same keys with only the parts a function needs.
    pub fn restricted(&self, data_key: bool, pepper: bool, tokens: bool) -> Self {
        Keys {
            pepper: self.pepper.clone().filter(|_| pepper),
            cipher: self.cipher.clone().filter(|_| data_key),
            tokens: self.tokens.clone().filter(|_| tokens),
        }
    }

    pub fn has_pepper(&self) -> bool {
        self.pepper.is_some()
    }

    pub fn has_token_keys(&self) -> bool {
        self.tokens.is_some()
    }

    fn tokens(&self) -> Result<&TokenSigner> {
        self.tokens.as_deref().ok_or_else(|| {
            Error::internal(
                "this function was not given the token keys",
                "its row in the functions' lambdas table does not list TOKEN_KEYS",
            )
        })
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
    ///
    /// Panics in a function that was not given the pepper: its row in the functions' registry is
    /// wrong (the tests run every function with exactly its secrets, so they find it).
    #[allow(clippy::expect_used, reason = "HMAC takes a key of any length; the pepper is a registry invariant")]
    pub fn keyed_hash(&self, domain: &str, value: &str) -> String {
        let pepper = self.pepper.as_deref().expect(
            "this function was not given the hash pepper: add HASH_PEPPER to its row in functions/src/registry.rs",
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(pepper).expect("HMAC takes any key length");
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

    /// A signed access token (HS256 under the current key, whose id is in the header's `kid`).
    pub fn issue_token(&self, account_id: &str, session_id: &str, issued_at: i64, expires_at: i64) -> Result<String> {
        let signer = self.tokens()?;
        let claims = TokenClaims {
            sub: account_id.into(),
            sid: session_id.into(),
            iat: issued_at,
            exp: expires_at,
            iss: TOKEN_ISSUER.into(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(signer.kid.clone());
        jsonwebtoken::encode(&header, &claims, &signer.encoding).map_err(|e| Error::internal("sign a token", e))
    }

    /// Verifies signature (with the key the header's `kid` names: a token without a known `kid` is
    /// refused), issuer and expiry (against the service clock, not the system's). `Ok(None)`: not
    /// a valid token.
    pub fn verify_token(&self, token: &str, now: i64) -> Result<Option<TokenClaims>> {
        let signer = self.tokens()?;
        let Some(kid) = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid) else { return Ok(None) };
        let Some((_, key)) = signer.decoding.iter().find(|(k, _)| *k == kid) else { return Ok(None) };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false; // checked below against the service clock
        validation.set_issuer(&[TOKEN_ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        let Ok(decoded) = jsonwebtoken::decode::<TokenClaims>(token, key, &validation) else { return Ok(None) };
        Ok((decoded.claims.exp > now).then_some(decoded.claims))
    }
}

pub mod password {
    //! argon2id with the crate's defaults, which are OWASP's minimum: m = 19 MiB, t = 2, p = 1.

    use crate::domain::password::Password;
    use crate::error::{Error, Result};
    use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
    use argon2::{Algorithm, Argon2, Block, Params, Version};
    use std::sync::Mutex;
    use subtle::ConstantTimeEq;

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
        on_a_core(move || Ok(matches(pw.expose().as_bytes(), &phc)? && real)).await
    }

    /// Whether `password` hashes to the PHC string `phc` (its own algorithm, version, parameters
    /// and salt), compared in constant time; the work runs in pooled memory.
    fn matches(password: &[u8], phc: &str) -> Result<bool> {
        let malformed = |e: argon2::password_hash::Error| Error::internal("stored password hash is malformed", e);
        let parsed = PasswordHash::new(phc).map_err(malformed)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Ok(false) };
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(malformed)?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).map_err(|e| Error::internal("stored password hash is malformed", e))?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).map_err(malformed)?;
        let mut salt_bytes = [0u8; 64];
        let salt = salt.decode_b64(&mut salt_bytes).map_err(malformed)?;
        let mut computed = vec![0u8; expected.len()];
        let argon2 = Argon2::new(algorithm, version, params);
        with_memory(argon2.params().block_count(), |memory| {
            argon2.hash_password_into_with_memory(password, salt, &mut computed, memory)
        })
        .map_err(|e| Error::internal("password verification failed", e))?;
        Ok(bool::from(expected.as_bytes().ct_eq(&computed)))
    }

    /// Argon2's working memory (19 MiB), kept for the next verification: a fresh allocation is
    /// zeroed and faulted in page by page on every verification, a tenth of its CPU time (issue
    /// 15). At most one per core is in use at a time ([`on_a_core`]), so a process keeps at most
    /// that many.
    static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

    fn with_memory<T>(blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let pooled = MEMORY.lock().ok().and_then(|mut pool| pool.pop());
        let mut memory = pooled.filter(|m| m.len() == blocks).unwrap_or_else(|| vec![Block::new(); blocks]);
        let outcome = work(&mut memory);
        if let Ok(mut pool) = MEMORY.lock() {
            pool.push(memory);
        }
        outcome
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[tokio::test]
        async fn verifies_its_own_hashes_and_hashes_of_other_parameters_in_pooled_memory() {
            let right = Password::new("Velvet-Harbor-42".into());
            let wrong = Password::new("Velvet-Harbor-43".into());
            let stored = hash(&right).await.unwrap();
            for _ in 0..2 {
                assert!(verify(&right, Some(&stored)).await.unwrap());
                assert!(!verify(&wrong, Some(&stored)).await.unwrap());
            }
            // The dummy hash [LOGIN-1]: the same work, never a match.
            assert!(!verify(&right, None).await.unwrap());
            // A hash made with other parameters (and other memory) by the crate itself.
            let other = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(64, 1, 1, Some(16)).unwrap())
                .hash_password(b"Velvet-Harbor-42", &SaltString::generate(&mut OsRng))
                .unwrap()
                .to_string();
            assert!(verify(&right, Some(&other)).await.unwrap());
            assert!(!verify(&wrong, Some(&other)).await.unwrap());
            assert!(verify(&right, Some("not a hash")).await.is_err());
        }
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
        let token = keyless.issue_token("acct", "sess", 1_000, 2_000).unwrap();
        assert_eq!(k.verify_token(&token, 1_500).unwrap().unwrap().sub, "acct");
        let fresh = Keys::without_data_key(b"pepper-pepper-pepper-pepper-0001", b"jwt-secret-jwt-secret-jwt-secret");
        assert_eq!(fresh.verify_token(&token, 1_500).unwrap().unwrap().sid, "sess");
        assert!(fresh.decrypt(&sealed).is_err());
    }

    #[test]
    fn tokens_verify_until_expiry_against_the_given_clock() {
        let k = keys();
        let t = k.issue_token("acct", "sess", 1_000, 2_000).unwrap();
        assert_eq!(k.verify_token(&t, 1_999).unwrap().unwrap().sid, "sess");
        assert!(k.verify_token(&t, 2_000).unwrap().is_none());
        let forged = Keys::new(b"p", &[7u8; 32], b"another-secret-another-secret-xx")
            .issue_token("acct", "sess", 1_000, 2_000)
            .unwrap();
        assert!(k.verify_token(&forged, 1_500).unwrap().is_none());
        assert!(k.verify_token("not-a-token", 1_500).unwrap().is_none());
    }

    fn signer(current: (&str, &[u8]), others: &[(&str, &[u8])]) -> Keys {
        let keys = TokenKeys {
            current: (current.0.into(), current.1.to_vec()),
            others: others.iter().map(|(k, v)| (k.to_string(), v.to_vec())).collect(),
        };
        Keys::from_parts(None, None, Some(&keys))
    }

    #[test]
    fn a_rotation_keeps_both_keys_valid_and_signs_with_the_current_one() {
        let (old, new) =
            (b"old-key-old-key-old-key-old-key-1".as_slice(), b"new-key-new-key-new-key-new-key-2".as_slice());
        let before = signer(("k1", old), &[]);
        let announced = signer(("k1", old), &[("k2", new)]); // step 1: k2 verifies everywhere
        let promoted = signer(("k2", new), &[("k1", old)]); // step 2: k2 signs, k1 still verifies
        let after = signer(("k2", new), &[]); // step 3: k1 retired
        let t1 = before.issue_token("a", "s", 1_000, 2_000).unwrap();
        let t2 = promoted.issue_token("a", "s", 1_000, 2_000).unwrap();
        assert_eq!(jsonwebtoken::decode_header(&t1).unwrap().kid.as_deref(), Some("k1"));
        assert_eq!(jsonwebtoken::decode_header(&t2).unwrap().kid.as_deref(), Some("k2"));
        for keys in [&announced, &promoted] {
            assert!(keys.verify_token(&t1, 1_500).unwrap().is_some());
            assert!(keys.verify_token(&t2, 1_500).unwrap().is_some());
        }
        assert!(after.verify_token(&t1, 1_500).unwrap().is_none(), "a retired key verifies nothing");
        assert!(before.verify_token(&t2, 1_500).unwrap().is_none(), "an unknown kid is refused");
        // A token under a known kid but another key, and one without a kid, are refused.
        let forged =
            signer(("k2", b"forged-forged-forged-forged-forged"), &[]).issue_token("a", "s", 1_000, 2_000).unwrap();
        assert!(promoted.verify_token(&forged, 1_500).unwrap().is_none());
        let claims = TokenClaims { sub: "a".into(), sid: "s".into(), iat: 1_000, exp: 2_000, iss: TOKEN_ISSUER.into() };
        let no_kid =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(new)).unwrap();
        assert!(promoted.verify_token(&no_kid, 1_500).unwrap().is_none());
    }

    #[test]
    fn without_the_token_keys_tokens_are_neither_issued_nor_verified() {
        let keys = keys().restricted(true, true, false);
        assert!(!keys.has_token_keys() && keys.has_pepper() && keys.has_data_key());
        assert!(keys.issue_token("a", "s", 1, 2).is_err());
        assert!(keys.verify_token("x", 1).is_err());
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
