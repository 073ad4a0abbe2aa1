//! Keys and the few cryptographic operations the account centre needs: keyed hashes for look-ups
//! of personal data, field encryption (AES-256-GCM), signed access tokens (EdDSA JWT: Ed25519) and
//! password hashing (argon2id at OWASP's parameters).
//!
//! Access tokens are signed with an Ed25519 private key that only the functions issuing tokens
//! read (the token-key secret group), and verified with public keys from configuration
//! (`TOKEN_PUBLIC_KEYS`): the authorizer reads no secret and could not mint a token if it were
//! compromised.

use crate::error::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::{rngs::OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use std::sync::Arc;

const TOKEN_ISSUER: &str = "account-centre";

/// The service's key material, loaded once per cold start, each secret part only by the functions
/// that need it (their row in the functions' registry): the pepper of keyed hashes, the
/// field-encryption (data) key, the token-signing key. Without the data key, `encrypt` and
/// `decrypt` fail; without the signing key, issuing tokens fails; without public token keys,
/// verifying them fails.
#[derive(Clone)]
pub struct Keys {
    pepper: Option<Vec<u8>>,
    cipher: Option<Aes256Gcm>,
    signer: Option<Arc<TokenSigner>>,
    verifier: Arc<Vec<(String, DecodingKey)>>,
}

/// Signs with the current private key (its id in the token header's `kid`).
struct TokenSigner {
    kid: String,
    encoding: EncodingKey,
}

/// A public key that verifies access tokens: its id (`kid`) and its Ed25519 public key (32 bytes).
/// Configured as `kid:<base64url key>`, several comma-separated (during a rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPublicKey {
    pub kid: String,
    pub key: Vec<u8>,
}

impl TokenPublicKey {
    /// `kid:<base64url>[,kid:<base64url>]`; empty: none. Each kid once.
    pub fn parse_list(text: &str) -> std::result::Result<Vec<TokenPublicKey>, String> {
        let keys = text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (kid, key) = part.split_once(':').ok_or("a token public key is `kid:<base64url key>`")?;
                check_kid(kid)?;
                let key = B64URL.decode(key).map_err(|_| format!("token public key {kid} is not base64url"))?;
                if key.len() != 32 {
                    return Err(format!("token public key {kid} is not a 32-byte Ed25519 key"));
                }
                Ok(TokenPublicKey { kid: kid.to_owned(), key })
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.kid == key.kid) {
                return Err(format!("token public key {} is listed twice", key.kid));
            }
        }
        Ok(keys)
    }

    /// The configuration's form of several keys.
    pub fn list(keys: &[TokenPublicKey]) -> String {
        keys.iter().map(|k| format!("{}:{}", k.kid, B64URL.encode(&k.key))).collect::<Vec<_>>().join(",")
    }
}

/// A key id as tokens and the configuration carry it: 1 to 40 of `A-Z a-z 0-9 . _ -`.
pub fn check_kid(kid: &str) -> std::result::Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if (1..=40).contains(&kid.len()) && kid.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!("the key id {kid:?} is not 1 to 40 of A-Z, a-z, 0-9, '.', '_', '-'"))
    }
}

/// Whether a token-signing key as the secret group holds it is shaped as an Ed25519 PKCS#8
/// document (base64): v1 (48 bytes, as OpenSSL writes it) or v2 (with the public key, as
/// [`new_token_key`] writes it). A byte check, so that every function's start (which checks
/// the groups it reads) does not link the Ed25519 code only the operator's command needs.
pub fn is_token_key_shaped(private_pkcs8_b64: &str) -> bool {
    // SEQUENCE { INTEGER version 0|1, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } ... }
    let head = |version: u8| [0x02, 0x01, version, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    match B64.decode(private_pkcs8_b64.trim()) {
        Ok(der) if der.len() >= 48 && der.len() < 128 && der[0] == 0x30 && usize::from(der[1]) + 2 == der.len() => {
            der[2..16] == head(0) || der[2..16] == head(1)
        }
        _ => false,
    }
}

/// The key that signs access tokens: its id and its Ed25519 private key (PKCS#8, base64), as the
/// token-key secret group holds them.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKeys {
    pub current: (String, String),
}

impl TokenKeys {
    /// The public key of the signing key (what `TOKEN_PUBLIC_KEYS` must list).
    pub fn public_keys(&self) -> Result<Vec<TokenPublicKey>, String> {
        token_public_key(&self.current.0, &self.current.1).map(|k| vec![k])
    }
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys").field("current_kid", &self.current.0).finish_non_exhaustive()
    }
}

/// A new Ed25519 token-signing key: PKCS#8, base64 (how the token-key secret group holds it).
pub fn new_token_key() -> String {
    let rng = ring::rand::SystemRandom::new();
    ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).map(|doc| B64.encode(doc.as_ref())).unwrap_or_default()
}

/// The public half of a token-signing key as the secret group holds it (PKCS#8, base64).
pub fn token_public_key(kid: &str, private_pkcs8_b64: &str) -> std::result::Result<TokenPublicKey, String> {
    use ring::signature::KeyPair;
    check_kid(kid)?;
    let not_a_key = || format!("the token key {kid} is not an Ed25519 key (PKCS#8, base64)");
    let der = B64.decode(private_pkcs8_b64.trim()).map_err(|_| not_a_key())?;
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der).map_err(|_| not_a_key())?;
    Ok(TokenPublicKey { kid: kid.to_owned(), key: pair.public_key().as_ref().to_vec() })
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
    /// Keys from given values (tests): a fresh signing key whose id is `test`, and its public key.
    pub fn new(pepper: &[u8], data_key: &[u8; 32]) -> Self {
        Keys { cipher: Some(Aes256Gcm::new(data_key.into())), ..Self::without_data_key(pepper) }
    }

    /// Keys without the data key, from given values (tests): a fresh signing key whose id is
    /// `test`, and its public key.
    pub fn without_data_key(pepper: &[u8]) -> Self {
        let signing = TokenKeys { current: ("test".into(), new_token_key()) };
        let public: Vec<TokenPublicKey> = signing.public_keys().into_iter().flatten().collect();
        Self::from_parts(Some(pepper), None, Some(&signing), &public)
    }

    /// The keys a function holds: each secret part only if it was given; the public token keys
    /// from configuration. A signing key that is not an Ed25519 key signs nothing (the start
    /// checks the group's shape before).
    pub fn from_parts(
        pepper: Option<&[u8]>,
        data_key: Option<&[u8; 32]>,
        signing: Option<&TokenKeys>,
        public: &[TokenPublicKey],
    ) -> Self {
        Keys {
            pepper: pepper.map(<[u8]>::to_vec),
            cipher: data_key.map(|k| Aes256Gcm::new(k.into())),
            signer: signing.and_then(|t| {
                let der = B64.decode(t.current.1.trim()).ok()?;
                Some(Arc::new(TokenSigner { kid: t.current.0.clone(), encoding: EncodingKey::from_ed_der(&der) }))
            }),
            verifier: Arc::new(public.iter().map(|k| (k.kid.clone(), DecodingKey::from_ed_der(&k.key))).collect()),
        }
    }

    /// The same keys without the data key.
    pub fn dropping_data_key(&self) -> Self {
        Keys { cipher: None, ..self.clone() }
    }

    /// The same keys with only the secret parts a function needs (the public token keys are
    /// everyone's).
    pub fn restricted(&self, data_key: bool, pepper: bool, signing: bool) -> Self {
        Keys {
            pepper: self.pepper.clone().filter(|_| pepper),
            cipher: self.cipher.clone().filter(|_| data_key),
            signer: self.signer.clone().filter(|_| signing),
            verifier: self.verifier.clone(),
        }
    }

    pub fn has_pepper(&self) -> bool {
        self.pepper.is_some()
    }

    pub fn can_sign_tokens(&self) -> bool {
        self.signer.is_some()
    }

    fn signer(&self) -> Result<&TokenSigner> {
        self.signer.as_deref().ok_or_else(|| {
            Error::internal(
                "this function was not given the token-signing key",
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

    /// A signed access token (EdDSA under the current key, whose id is in the header's `kid`).
    pub fn issue_token(&self, account_id: &str, session_id: &str, issued_at: i64, expires_at: i64) -> Result<String> {
        let signer = self.signer()?;
        let claims = TokenClaims {
            sub: account_id.into(),
            sid: session_id.into(),
            iat: issued_at,
            exp: expires_at,
            iss: TOKEN_ISSUER.into(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(signer.kid.clone());
        jsonwebtoken::encode(&header, &claims, &signer.encoding).map_err(|e| Error::internal("sign a token", e))
    }

    /// Verifies signature (with the public key the header's `kid` names: a token without a known
    /// `kid`, or of another algorithm, is refused), issuer and expiry (against the service clock,
    /// not the system's). `Ok(None)`: not a valid token. Fails when no public key is configured.
    pub fn verify_token(&self, token: &str, now: i64) -> Result<Option<TokenClaims>> {
        if self.verifier.is_empty() {
            return Err(Error::internal("verify a token", "no token public key is configured (TOKEN_PUBLIC_KEYS)"));
        }
        let Some(kid) = jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid) else { return Ok(None) };
        let Some((_, key)) = self.verifier.iter().find(|(k, _)| *k == kid) else { return Ok(None) };
        let mut validation = Validation::new(Algorithm::EdDSA);
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
        Keys::new(b"pepper-pepper-pepper-pepper-0001", &[7u8; 32])
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
        let other = Keys::new(b"p", &[8u8; 32]);
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
        let another_deployment = Keys::without_data_key(b"pepper-pepper-pepper-pepper-0001");
        assert!(another_deployment.verify_token(&token, 1_500).unwrap().is_none(), "its own key pair");
        assert!(another_deployment.decrypt(&sealed).is_err());
    }

    #[test]
    fn tokens_verify_until_expiry_against_the_given_clock() {
        let k = keys();
        let t = k.issue_token("acct", "sess", 1_000, 2_000).unwrap();
        assert_eq!(k.verify_token(&t, 1_999).unwrap().unwrap().sid, "sess");
        assert!(k.verify_token(&t, 2_000).unwrap().is_none());
        let forged = Keys::new(b"p", &[7u8; 32]).issue_token("acct", "sess", 1_000, 2_000).unwrap();
        assert!(k.verify_token(&forged, 1_500).unwrap().is_none());
        assert!(k.verify_token("not-a-token", 1_500).unwrap().is_none());
    }

    /// Keys that sign with `current` and verify with the public halves of `verifying`.
    fn signer(current: (&str, &str), verifying: &[(&str, &str)]) -> Keys {
        let signing = TokenKeys { current: (current.0.into(), current.1.into()) };
        let public: Vec<TokenPublicKey> =
            verifying.iter().map(|(kid, key)| token_public_key(kid, key).unwrap()).collect();
        Keys::from_parts(None, None, Some(&signing), &public)
    }

    #[test]
    fn a_rotation_keeps_both_keys_valid_and_signs_with_the_current_one() {
        let (old, new) = (new_token_key(), new_token_key());
        let before = signer(("k1", &old), &[("k1", &old)]);
        let announced = signer(("k1", &old), &[("k1", &old), ("k2", &new)]); // step 1: k2 verifies everywhere
        let promoted = signer(("k2", &new), &[("k1", &old), ("k2", &new)]); // step 2: k2 signs, k1 still verifies
        let after = signer(("k2", &new), &[("k2", &new)]); // step 3: k1 retired
        let t1 = before.issue_token("a", "s", 1_000, 2_000).unwrap();
        let t2 = promoted.issue_token("a", "s", 1_000, 2_000).unwrap();
        let header = jsonwebtoken::decode_header(&t1).unwrap();
        assert_eq!((header.alg, header.kid.as_deref()), (Algorithm::EdDSA, Some("k1")));
        assert_eq!(jsonwebtoken::decode_header(&t2).unwrap().kid.as_deref(), Some("k2"));
        for keys in [&announced, &promoted] {
            assert!(keys.verify_token(&t1, 1_500).unwrap().is_some());
            assert!(keys.verify_token(&t2, 1_500).unwrap().is_some());
        }
        assert!(after.verify_token(&t1, 1_500).unwrap().is_none(), "a retired key verifies nothing");
        assert!(before.verify_token(&t2, 1_500).unwrap().is_none(), "an unknown kid is refused");
        // A token under a known kid but another key, one without a kid, and one signed with the
        // public key as an HMAC secret (algorithm confusion) are refused.
        let forged = signer(("k2", &new_token_key()), &[]).issue_token("a", "s", 1_000, 2_000).unwrap();
        assert!(promoted.verify_token(&forged, 1_500).unwrap().is_none());
        let claims = TokenClaims { sub: "a".into(), sid: "s".into(), iat: 1_000, exp: 2_000, iss: TOKEN_ISSUER.into() };
        let no_kid = jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            &claims,
            &EncodingKey::from_ed_der(&B64.decode(&new).unwrap()),
        )
        .unwrap();
        assert!(promoted.verify_token(&no_kid, 1_500).unwrap().is_none());
        let mut hs = Header::new(Algorithm::HS256);
        hs.kid = Some("k2".into());
        let public = token_public_key("k2", &new).unwrap().key;
        let confused = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(&public)).unwrap();
        assert!(promoted.verify_token(&confused, 1_500).unwrap().is_none());
    }

    #[test]
    fn public_keys_are_configured_as_kid_and_base64url() {
        let key = token_public_key("2026-12", &new_token_key()).unwrap();
        let text = TokenPublicKey::list(&[key.clone(), TokenPublicKey { kid: "b".into(), key: vec![1; 32] }]);
        assert_eq!(
            TokenPublicKey::parse_list(&text).unwrap(),
            [key, TokenPublicKey { kid: "b".into(), key: vec![1; 32] }]
        );
        assert_eq!(TokenPublicKey::parse_list("").unwrap(), []);
        assert!(TokenPublicKey::parse_list("k1").is_err());
        assert!(TokenPublicKey::parse_list("k1:AAAA").is_err(), "not 32 bytes");
        let twice = format!("{text},{}", text.split(',').next().unwrap());
        assert_eq!(TokenPublicKey::parse_list(&twice).unwrap_err(), "token public key 2026-12 is listed twice");
        assert!(check_kid("20261206-165012").is_ok());
        for bad in ["", "a:b", "a,b", "a b", &"k".repeat(41)] {
            assert!(check_kid(bad).is_err(), "{bad:?}");
        }
        assert!(token_public_key("k", "bm90IGEga2V5").is_err());
        assert!(is_token_key_shaped(&new_token_key()));
        assert!(!is_token_key_shaped("bm90IGEga2V5"));
        // An OpenSSL-written key (PKCS#8 v1, `openssl genpkey -algorithm ed25519`).
        let v1 = "MC4CAQAwBQYDK2VwBCIEIBRUZ6UXhB3yYjg6LYM4CTgWTZHsX5y7p1KZwBhYrOLx";
        assert!(is_token_key_shaped(v1));
        assert_eq!(token_public_key("k", v1).unwrap().key.len(), 32);
    }

    #[test]
    fn without_the_signing_key_tokens_are_verified_but_not_issued() {
        let full = keys();
        let token = full.issue_token("a", "s", 1, 2).unwrap();
        let verifier = full.restricted(false, false, false);
        assert!(!verifier.can_sign_tokens() && !verifier.has_pepper() && !verifier.has_data_key());
        assert!(verifier.issue_token("a", "s", 1, 2).is_err());
        assert_eq!(verifier.verify_token(&token, 1).unwrap().unwrap().sid, "s");
        let unconfigured = Keys::from_parts(None, None, None, &[]);
        assert!(unconfigured.verify_token(&token, 1).is_err(), "no public key configured is a fault, not a 401");
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
