//! Typed configuration, parsed once per cold start from the environment. Production refuses to
//! start with a sandbox provider or without the secrets' ARNs. The secrets themselves are never in
//! the environment: they are read from Secrets Manager at cold start ([`crate::secrets`]).

use crate::crypto::TokenPublicKey;
use crate::domain::third_party::ThirdParty;
use crate::secrets::SecretIds;
use crate::tables::{TableNames, ACCOUNTS, FLOWS, SESSIONS};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Production,
    Local,
}

/// An outside party's adapter: the documented sandbox, or the provider's HTTP API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// Deterministic test behaviour; messages kept in an outbox (never in production).
    Sandbox { outbox_file: Option<PathBuf> },
    /// POSTs JSON to the provider's endpoint with a bearer API key (from its secret group).
    Http { endpoint: String },
}

/// Third-party sign-in's identity providers [LOGIN-2] (`OAUTH_PROVIDER`).
#[derive(Clone, PartialEq, Eq)]
pub enum OAuthConfig {
    /// Unset: no third-party sign-in (its routes answer `404 NOT_FOUND`).
    Off,
    /// The sandbox provider (never in production) for all three, served by the local gateway
    /// under `endpoint` (`http://127.0.0.1:3000/sandbox/oauth`) and spoken to over HTTP.
    Sandbox { endpoint: String, redirect_uri: String },
    /// The providers' real endpoints, for each provider whose client id is configured:
    /// `(provider, client id)` (the client secrets are in the OAuth secret group).
    Http { redirect_uri: String, clients: Vec<(ThirdParty, String)> },
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthConfig::Off => f.write_str("Off"),
            OAuthConfig::Sandbox { endpoint, redirect_uri } => {
                f.debug_struct("Sandbox").field("endpoint", endpoint).field("redirect_uri", redirect_uri).finish()
            }
            OAuthConfig::Http { redirect_uri, clients } => f
                .debug_struct("Http")
                .field("redirect_uri", redirect_uri)
                .field("clients", &clients.iter().map(|(p, id)| (p.as_str(), id.as_str())).collect::<Vec<_>>())
                .finish(),
        }
    }
}

/// The console's page the providers send the browser back to, locally.
pub const LOCAL_OAUTH_REDIRECT_URI: &str = "http://localhost:5173/oauth/callback";

/// Where the field-encryption key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum DataKey {
    /// The key itself (local runs and tests).
    Plain([u8; 32]),
    /// A KMS-encrypted data key (`CiphertextBlob` of `GenerateDataKey`), decrypted with KMS once
    /// per cold start; the plaintext never leaves memory.
    Kms { ciphertext: Vec<u8> },
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataKey::Plain(_) => "Plain(<redacted>)",
            DataKey::Kms { .. } => "Kms(<ciphertext>)",
        })
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub tables: TableNames,
    /// The outbox queue (its URL, or locally its name): messages leave from the delivery worker.
    pub outbox_queue: String,
    /// The review queue reviewers claim cases from (URL, or locally its name).
    pub review_queue: String,
    /// The expiry queue the deadline sweeper feeds (URL, or locally its name).
    pub expiry_queue: String,
    /// The recovery queue of starts the recovery worker resolves (URL, or locally its name).
    pub recovery_queue: String,
    /// The bucket of uploaded material.
    pub uploads_bucket: String,
    /// The staff user pool reviewers sign in with.
    pub staff: StaffPool,
    /// Where Cognito is absent (the China regions): the OpenID Connect issuer the staff sign in
    /// with instead (unset: the staff pool).
    pub staff_issuer: Option<StaffIssuer>,
    pub sms: Provider,
    pub email: Provider,
    pub face: Provider,
    pub bank_card: Provider,
    pub resources: Provider,
    /// The business registry, the payout provider and the risk rules of enterprise verification.
    pub registry: Provider,
    pub payouts: Provider,
    pub risk: Provider,
    /// Third-party sign-in's identity providers [LOGIN-2].
    pub oauth: OAuthConfig,
    /// Where the secrets are (ARNs; locally the emulator's names): read at cold start.
    pub secrets: SecretIds,
    /// The field-encryption key (not in Secrets Manager: a KMS-encrypted data key).
    pub data_key: DataKey,
    /// The public keys that verify access tokens (`TOKEN_PUBLIC_KEYS`: `kid:<base64url>`, several
    /// comma-separated during a rotation): only the authorizer verifies, and it reads no secret.
    pub token_public_keys: Vec<TokenPublicKey>,
    /// The browser origins (the consoles) allowed to call the API cross-origin (CORS): exact
    /// `scheme://host[:port]` values, lower case. Empty: no CORS.
    pub cors_allowed_origins: Vec<String>,
    /// The WebAuthn relying party of passkeys [KEY-1] (`PASSKEY_RP_ID`, `PASSKEY_ORIGINS`; unset:
    /// passkeys are off).
    pub passkeys: Option<RelyingParty>,
}

/// The WebAuthn relying party: its id (the console's domain, which passkeys are bound to for
/// good) and the origins the console is served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origins: Vec<String>,
    /// Any port of those origins' hosts (local only: test servers take free ports).
    pub any_port: bool,
}

/// The OpenID Connect issuer of the staff where there is no staff pool (`STAFF_OIDC_ISSUER`; its
/// access tokens carry `STAFF_CLIENT_ID` as their audience): the dashboard signs in there
/// (authorization code with PKCE) and the API's JWT authorizer takes its tokens. Its claims that
/// name the staff user (`STAFF_OIDC_USERNAME_CLAIM`, `sub` by default: stable and unique, which
/// `preferred_username` need not be) and list their roles (`STAFF_OIDC_ROLES_CLAIM`, `groups` by
/// default: `reviewer`, `lead`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffIssuer {
    pub url: String,
    pub username_claim: String,
    pub roles_claim: String,
}

/// The Cognito user pool of the staff (reviewers, leads) and its dashboard's app client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffPool {
    /// Cognito's JSON endpoint: `https://cognito-idp.<region>.<dns suffix>/`, locally the emulator.
    pub endpoint: String,
    pub user_pool_id: String,
    pub client_id: String,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Reads `APP_ENV`, the table variables, for each outside party `<NAME>_PROVIDER` (`sandbox`,
    /// or `http`, the default, with `<NAME>_ENDPOINT`; `<NAME>_OUTBOX_FILE`) for SMS, EMAIL, FACE,
    /// BANK_CARD, RESOURCES, REGISTRY, PAYOUT and RISK, `SECRET_NAME_PREFIX` (the secret groups
    /// are named `<prefix><logical id>`; required in production), `DATA_KEY`
    /// (base64, 32 bytes; local only) or `DATA_KEY_CIPHERTEXT` (base64 KMS ciphertext), and
    /// `CORS_ALLOWED_ORIGINS` (comma-separated origins; empty or unset: none), `TOKEN_PUBLIC_KEYS`
    /// (the authorizer's; unset elsewhere). Third-party
    /// sign-in: `OAUTH_PROVIDER` (unset: off; `sandbox` with `OAUTH_ENDPOINT`; `http` with
    /// `OAUTH_REDIRECT_URI` and, per provider, `OAUTH_<WECHAT|QQ|WEIBO>_CLIENT_ID`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let need = |k: &str| get(k).filter(|v| !v.is_empty()).ok_or_else(|| ConfigError(format!("{k} is not set")));
        let environment = match get("APP_ENV").as_deref() {
            Some("production") => Environment::Production,
            Some("local") => Environment::Local,
            other => return Err(ConfigError(format!("APP_ENV must be `production` or `local`, not {other:?}"))),
        };
        // An outside party is reached over HTTP unless told otherwise (production sets none of
        // these: a variable fewer per party in the functions' 4 KB of environment).
        let provider = |name: &str| -> Result<Provider, ConfigError> {
            let chosen = get(&format!("{name}_PROVIDER")).filter(|v| !v.is_empty()).unwrap_or_else(|| "http".into());
            match chosen.as_str() {
                "sandbox" if environment == Environment::Production => {
                    Err(ConfigError(format!("the sandbox {name} provider cannot run in production")))
                }
                "sandbox" => Ok(Provider::Sandbox {
                    outbox_file: get(&format!("{name}_OUTBOX_FILE")).filter(|v| !v.is_empty()).map(PathBuf::from),
                }),
                "http" => Ok(Provider::Http { endpoint: need(&format!("{name}_ENDPOINT"))? }),
                other => Err(ConfigError(format!("{name}_PROVIDER must be `sandbox` or `http`, not `{other}`"))),
            }
        };
        // Each secret group is named `<prefix><logical id>`: the stack's name and a dash in AWS,
        // nothing locally.
        let secrets = match environment {
            Environment::Production => SecretIds::named(need("SECRET_NAME_PREFIX")?),
            Environment::Local => SecretIds::named(get("SECRET_NAME_PREFIX").unwrap_or_default()),
        };
        let data_key =
            match (get("DATA_KEY").filter(|v| !v.is_empty()), get("DATA_KEY_CIPHERTEXT").filter(|v| !v.is_empty())) {
                (Some(plain), None) => DataKey::Plain(
                    B64.decode(plain)
                        .ok()
                        .and_then(|k| k.try_into().ok())
                        .ok_or_else(|| ConfigError("DATA_KEY must be 32 bytes, base64".into()))?,
                ),
                (None, Some(sealed)) => DataKey::Kms {
                    ciphertext: B64
                        .decode(sealed)
                        .map_err(|_| ConfigError("DATA_KEY_CIPHERTEXT must be base64".into()))?,
                },
                _ => return Err(ConfigError("set exactly one of DATA_KEY and DATA_KEY_CIPHERTEXT".into())),
            };
        if environment == Environment::Production && matches!(data_key, DataKey::Plain(_)) {
            return Err(ConfigError("production takes the data key from KMS (DATA_KEY_CIPHERTEXT)".into()));
        }
        Ok(Config {
            environment,
            tables: TableNames {
                accounts: need(ACCOUNTS.env_var)?,
                sessions: need(SESSIONS.env_var)?,
                flows: need(FLOWS.env_var)?,
            },
            outbox_queue: need("OUTBOX_QUEUE_URL")?,
            review_queue: need("REVIEW_QUEUE_URL")?,
            expiry_queue: need("EXPIRY_QUEUE_URL")?,
            recovery_queue: need("RECOVERY_QUEUE_URL")?,
            uploads_bucket: need("UPLOADS_BUCKET")?,
            staff: StaffPool {
                endpoint: match get("COGNITO_ENDPOINT").filter(|v| !v.is_empty()) {
                    Some(endpoint) => endpoint,
                    None => {
                        let region = need("AWS_REGION")?;
                        format!("https://cognito-idp.{region}.{}/", dns_suffix(&region))
                    }
                },
                user_pool_id: need("STAFF_USER_POOL_ID")?,
                client_id: need("STAFF_CLIENT_ID")?,
            },
            sms: provider("SMS")?,
            email: provider("EMAIL")?,
            face: provider("FACE")?,
            bank_card: provider("BANK_CARD")?,
            resources: provider("RESOURCES")?,
            registry: provider("REGISTRY")?,
            payouts: provider("PAYOUT")?,
            risk: provider("RISK")?,
            oauth: oauth_config(&get, environment)?,
            secrets,
            data_key,
            token_public_keys: TokenPublicKey::parse_list(get("TOKEN_PUBLIC_KEYS").as_deref().unwrap_or_default())
                .map_err(|why| ConfigError(format!("TOKEN_PUBLIC_KEYS: {why}")))?,
            cors_allowed_origins: cors_origins(
                "CORS_ALLOWED_ORIGINS",
                get("CORS_ALLOWED_ORIGINS").as_deref().unwrap_or_default(),
                environment,
            )?,
            staff_issuer: get("STAFF_OIDC_ISSUER").filter(|url| !url.is_empty()).map(|url| StaffIssuer {
                // Exactly as the tokens' `iss` (and the discovery document's `issuer`) spell it.
                url,
                username_claim: get("STAFF_OIDC_USERNAME_CLAIM")
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "sub".into()),
                roles_claim: get("STAFF_OIDC_ROLES_CLAIM").filter(|c| !c.is_empty()).unwrap_or_else(|| "groups".into()),
            }),
            passkeys: match get("PASSKEY_RP_ID").filter(|id| !id.is_empty()) {
                None => None,
                Some(id) => Some(RelyingParty {
                    origins: cors_origins(
                        "PASSKEY_ORIGINS",
                        get("PASSKEY_ORIGINS").as_deref().unwrap_or_default(),
                        environment,
                    )?,
                    id: id.to_ascii_lowercase(),
                    any_port: false,
                })
                .filter(|rp| !rp.origins.is_empty())
                .map(Some)
                .ok_or_else(|| ConfigError("PASSKEY_ORIGINS: name the console's origins".into()))?,
            },
        })
    }
}

/// The DNS suffix of AWS's endpoints in a region's partition: `amazonaws.com.cn` in the China
/// regions, `amazonaws.com` elsewhere (the stack runs in both; the template's `AWS::URLSuffix`).
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

fn oauth_config(get: &impl Fn(&str) -> Option<String>, environment: Environment) -> Result<OAuthConfig, ConfigError> {
    let var = |k: &str| get(k).filter(|v| !v.is_empty());
    let need = |k: &str| var(k).ok_or_else(|| ConfigError(format!("{k} is not set")));
    match var("OAUTH_PROVIDER").as_deref() {
        None => Ok(OAuthConfig::Off),
        Some("sandbox") if environment == Environment::Production => {
            Err(ConfigError("the sandbox OAUTH provider cannot run in production".into()))
        }
        Some("sandbox") => Ok(OAuthConfig::Sandbox {
            endpoint: need("OAUTH_ENDPOINT")?,
            redirect_uri: var("OAUTH_REDIRECT_URI").unwrap_or_else(|| LOCAL_OAUTH_REDIRECT_URI.into()),
        }),
        Some("http") => {
            let redirect_uri = need("OAUTH_REDIRECT_URI")?;
            if environment == Environment::Production && !redirect_uri.starts_with("https://") {
                return Err(ConfigError("OAUTH_REDIRECT_URI must be https in production".into()));
            }
            let mut clients = vec![];
            for provider in ThirdParty::ALL {
                let name = provider.as_str().to_ascii_uppercase();
                if let Some(client_id) = var(&format!("OAUTH_{name}_CLIENT_ID")) {
                    clients.push((provider, client_id));
                }
            }
            Ok(OAuthConfig::Http { redirect_uri, clients })
        }
        Some(other) => Err(ConfigError(format!("OAUTH_PROVIDER must be `sandbox` or `http`, not `{other}`"))),
    }
}

/// `CORS_ALLOWED_ORIGINS`: comma-separated origins, each `scheme://host[:port]` without path or
/// trailing slash (compared exactly with a request's `Origin`, so they are lower-cased here). No
/// wildcard; production takes `https` origins only.
fn cors_origins(variable: &str, list: &str, environment: Environment) -> Result<Vec<String>, ConfigError> {
    let mut origins = vec![];
    for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let origin = entry.to_ascii_lowercase();
        let bad = |why: &str| ConfigError(format!("{variable}: `{entry}` {why}"));
        let (scheme, authority) = origin.split_once("://").ok_or_else(|| bad("is not scheme://host[:port]"))?;
        match scheme {
            "https" => {}
            "http" if environment == Environment::Local => {}
            "http" => return Err(bad("is not https (production)")),
            _ => return Err(bad("is neither http nor https")),
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host_ok = !host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !host.starts_with(['.', '-']);
        if !host_ok {
            return Err(bad("has no valid host (no path, wildcard or trailing slash)"));
        }
        if port.is_some_and(|p| p.parse::<u16>().is_err()) {
            return Err(bad("has an invalid port"));
        }
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn base() -> HashMap<String, String> {
        let mut env: HashMap<String, String> = [
            ("APP_ENV", "production".to_string()),
            ("ACCOUNTS_TABLE", "a".into()),
            ("SESSIONS_TABLE", "s".into()),
            ("FLOWS_TABLE", "f".into()),
            ("OUTBOX_QUEUE_URL", "https://sqs.example/1/OutboxQueue".into()),
            ("REVIEW_QUEUE_URL", "https://sqs.example/1/ReviewQueue".into()),
            ("EXPIRY_QUEUE_URL", "https://sqs.example/1/ExpiryQueue".into()),
            ("RECOVERY_QUEUE_URL", "https://sqs.example/1/RecoveryQueue".into()),
            ("UPLOADS_BUCKET", "uploads".into()),
            ("AWS_REGION", "cn-north-1".into()),
            ("STAFF_USER_POOL_ID", "cn-north-1_x".into()),
            ("STAFF_CLIENT_ID", "client".into()),
            ("DATA_KEY_CIPHERTEXT", B64.encode([9u8; 100])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for name in ["SMS", "EMAIL", "FACE", "BANK_CARD", "RESOURCES", "REGISTRY", "PAYOUT", "RISK"] {
            env.insert(format!("{name}_ENDPOINT"), format!("https://{}.example/api", name.to_lowercase()));
        }
        env.insert("SECRET_NAME_PREFIX".into(), "acct-".into());
        env
    }

    fn load(env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn production_refuses_sandboxes_plain_keys_and_short_secrets() {
        assert!(load(&base()).is_ok());
        for name in ["SMS", "EMAIL", "FACE", "BANK_CARD"] {
            let mut env = base();
            env.insert(format!("{name}_PROVIDER"), "sandbox".into());
            assert!(load(&env).unwrap_err().to_string().contains("sandbox"), "{name}");
        }
        let mut env = base();
        env.remove("DATA_KEY_CIPHERTEXT");
        env.insert("DATA_KEY".into(), B64.encode([1u8; 32]));
        assert!(load(&env).unwrap_err().to_string().contains("KMS"));
        let mut env = base();
        env.remove("SECRET_NAME_PREFIX");
        assert!(load(&env).unwrap_err().to_string().contains("SECRET_NAME_PREFIX"));
        let config = load(&base()).unwrap();
        assert_eq!(config.secrets.id(crate::secrets::MESSAGING), "acct-MessagingSecret");
        assert!(matches!(config.sms, Provider::Http { .. }), "production parties are reached over HTTP by default");
        let mut env = base();
        env.remove("FLOWS_TABLE");
        assert!(load(&env).is_err());
    }

    #[test]
    fn local_takes_a_plain_key_and_sandboxes() {
        let mut env = base();
        env.insert("APP_ENV".into(), "local".into());
        env.remove("DATA_KEY_CIPHERTEXT");
        env.insert("DATA_KEY".into(), B64.encode([1u8; 32]));
        env.insert("FACE_PROVIDER".into(), "sandbox".into());
        let config = load(&env).unwrap();
        assert!(matches!(config.data_key, DataKey::Plain(_)));
        assert_eq!(config.face, Provider::Sandbox { outbox_file: None });
    }

    #[test]
    fn cors_origins_are_an_exact_list_empty_by_default() {
        assert!(load(&base()).unwrap().cors_allowed_origins.is_empty());
        let mut env = base();
        env.insert("CORS_ALLOWED_ORIGINS".into(), " https://Console.example.com , https://a.example:8443,".into());
        assert_eq!(load(&env).unwrap().cors_allowed_origins, ["https://console.example.com", "https://a.example:8443"]);
        for bad in [
            "*",
            "https://*.example.com",
            "console.example.com",
            "https://a.example/",
            "https://a.example/x",
            "ftp://a.example",
            "https://a.example:99999",
            "http://localhost:5173",
        ] {
            env.insert("CORS_ALLOWED_ORIGINS".into(), bad.into());
            assert!(load(&env).is_err(), "{bad}");
        }
        env.insert("APP_ENV".into(), "local".into());
        env.remove("DATA_KEY_CIPHERTEXT");
        env.insert("DATA_KEY".into(), B64.encode([1u8; 32]));
        env.insert("CORS_ALLOWED_ORIGINS".into(), "http://localhost:5173".into());
        assert_eq!(load(&env).unwrap().cors_allowed_origins, ["http://localhost:5173"]);
    }

    #[test]
    fn oauth_is_off_unless_configured_and_never_a_sandbox_in_production() {
        assert_eq!(load(&base()).unwrap().oauth, OAuthConfig::Off);
        let mut env = base();
        env.insert("OAUTH_PROVIDER".into(), "sandbox".into());
        env.insert("OAUTH_ENDPOINT".into(), "http://127.0.0.1:3000/sandbox/oauth".into());
        assert!(load(&env).unwrap_err().to_string().contains("sandbox"));
        env.insert("OAUTH_PROVIDER".into(), "http".into());
        env.insert("OAUTH_REDIRECT_URI".into(), "http://console.example.com/oauth".into());
        assert!(load(&env).unwrap_err().to_string().contains("https"));
        env.insert("OAUTH_REDIRECT_URI".into(), "https://console.example.com/oauth".into());
        env.insert("OAUTH_QQ_CLIENT_ID".into(), "qq-app".into());
        let config = load(&env).unwrap();
        assert_eq!(
            config.oauth,
            OAuthConfig::Http {
                redirect_uri: "https://console.example.com/oauth".into(),
                clients: vec![(ThirdParty::Qq, "qq-app".into())],
            }
        );
    }

    #[test]
    fn no_secret_is_read_from_the_environment() {
        let mut env = base();
        for old in ["JWT_SECRET", "HASH_PEPPER", "SMS_API_KEY", "FACE_CALLBACK_SECRET", "OAUTH_QQ_CLIENT_SECRET"] {
            env.insert(old.into(), "s".repeat(40));
        }
        let config = load(&env).unwrap();
        assert!(!format!("{config:?}").contains("ssss"));
        assert_eq!(config.secrets.id(crate::secrets::HASH_PEPPER), "acct-HashPepperSecret");
    }
}
