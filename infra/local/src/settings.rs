//! Configuration of the local environment: local table names, the sandbox SMS provider, a data
//! key made fresh for each run, and the secrets in the emulator's Secrets Manager (made fresh
//! when the emulator starts: see [`crate::provision::provision_secrets`]).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rand::{rngs::OsRng, RngCore};
use shared::config::{Config, DataKey, Environment, OAuthConfig, Provider, StaffPool, LOCAL_OAUTH_REDIRECT_URI};
use shared::secrets::SecretIds;
use shared::tables::TableNames;
use std::path::{Path, PathBuf};

/// A fresh field-encryption key (locally the key itself; in AWS a KMS-encrypted data key).
pub fn random_data_key() -> DataKey {
    DataKey::Plain(random_bytes())
}

/// 32 random bytes.
pub fn random_bytes() -> [u8; 32] {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b
}

/// The local bucket name of a logical id (S3 names are lower-case).
pub fn bucket_name(logical_id: &str) -> String {
    logical_id.to_ascii_lowercase()
}

/// A random secret value (48 random bytes, base64).
pub fn random_secret() -> String {
    let mut b = vec![0u8; 48];
    OsRng.fill_bytes(&mut b);
    B64.encode(b)
}

/// The browser origins allowed to call the local API (CORS): a console's dev server (Vite's port).
pub const LOCAL_CONSOLE_ORIGINS: &[&str] = &["http://localhost:5173"];

/// Every outside party in its sandbox; outboxes (SMS, email) appended to files in `outbox_dir`.
/// The outbox queue's logical id in template.yaml (and its local name).
pub const OUTBOX_QUEUE: &str = "OutboxQueue";
/// The review queue's, the expiry queue's and the recovery queue's logical ids (and local names).
pub const REVIEW_QUEUE: &str = "ReviewQueue";
pub const EXPIRY_QUEUE: &str = "ExpiryQueue";
pub const RECOVERY_QUEUE: &str = "RecoveryQueue";
/// The uploads bucket's logical id.
pub const UPLOADS_BUCKET: &str = "UploadsBucket";

/// `staff`: the emulator's staff user pool (see [`crate::provision::staff_pool`]).
pub fn local_config(data_key: DataKey, outbox_dir: Option<&Path>, staff: StaffPool) -> Config {
    let outbox = |name: &str| Provider::Sandbox { outbox_file: outbox_dir.map(|d| d.join(name)) };
    Config {
        environment: Environment::Local,
        tables: TableNames::local(),
        outbox_queue: OUTBOX_QUEUE.into(),
        review_queue: REVIEW_QUEUE.into(),
        expiry_queue: EXPIRY_QUEUE.into(),
        recovery_queue: RECOVERY_QUEUE.into(),
        uploads_bucket: bucket_name(UPLOADS_BUCKET),
        staff,
        staff_issuer: None,
        sms: outbox("sms-outbox.jsonl"),
        email: outbox("email-outbox.jsonl"),
        face: Provider::Sandbox { outbox_file: None },
        bank_card: Provider::Sandbox { outbox_file: None },
        resources: Provider::Sandbox { outbox_file: None },
        registry: Provider::Sandbox { outbox_file: None },
        payouts: Provider::Sandbox { outbox_file: None },
        risk: Provider::Sandbox { outbox_file: None },
        oauth: sandbox_oauth(3000),
        secrets: SecretIds::local(),
        data_key,
        // The callers set them once the secrets are provisioned (`secret_admin::token_public_keys`).
        token_public_keys: vec![],
        cors_allowed_origins: LOCAL_CONSOLE_ORIGINS.iter().map(|o| o.to_string()).collect(),
        passkeys: Some(local_relying_party()),
    }
}

/// Passkeys locally [KEY-1]: bound to `localhost` (a browser takes `http://localhost` as a secure
/// origin; an IP address is no relying-party id), from the local server on any port.
pub fn local_relying_party() -> shared::config::RelyingParty {
    shared::config::RelyingParty {
        id: "localhost".into(),
        origins: vec!["http://localhost:3000".into()],
        any_port: true,
    }
}

/// The staff signing in with the sandbox OpenID Connect issuer instead of the pool (as where
/// Cognito is absent): `config` takes the issuer's URL and client (the dashboard's).
pub fn use_staff_issuer(config: &mut Config, issuer: &crate::staff_issuer::SandboxIssuer) {
    config.staff_issuer = Some(shared::config::StaffIssuer {
        url: issuer.url().to_owned(),
        username_claim: "preferred_username".into(), // the sandbox's names are fixed by it
        roles_claim: "groups".into(),
    });
    config.staff.client_id = issuer.client_id().to_owned();
}

/// The sandbox identity providers served by the local server on `port` (the OAuth client of
/// each provider talks to them over HTTP there) [LOGIN-2].
pub fn sandbox_oauth(port: u16) -> OAuthConfig {
    OAuthConfig::Sandbox {
        endpoint: format!("http://127.0.0.1:{port}/sandbox/oauth"),
        redirect_uri: LOCAL_OAUTH_REDIRECT_URI.into(),
    }
}

/// The repository root (where template.yaml is), from this crate's location.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root exists")
}

/// A staff pool for states that never sign staff in (cold-start and data-key tests).
pub fn no_staff_pool() -> StaffPool {
    StaffPool { endpoint: "http://127.0.0.1:9/".into(), user_pool_id: "none".into(), client_id: "none".into() }
}
