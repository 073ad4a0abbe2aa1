//! Typed configuration, parsed once per cold start from the environment. Production refuses to
//! start with a sandbox provider or with missing secrets.

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

#[derive(Clone, PartialEq, Eq)]
pub enum SmsProvider {
    /// Writes messages to an outbox readable by tests and the local user (never in production).
    Sandbox { outbox_file: Option<PathBuf> },
    /// POSTs JSON to the provider's endpoint with an API key.
    Http { endpoint: String, api_key: String },
}

impl fmt::Debug for SmsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmsProvider::Sandbox { outbox_file } => {
                f.debug_struct("Sandbox").field("outbox_file", outbox_file).finish()
            }
            SmsProvider::Http { endpoint, .. } => {
                f.debug_struct("Http").field("endpoint", endpoint).finish_non_exhaustive()
            }
        }
    }
}

/// Secret material. `Debug` prints nothing secret.
#[derive(Clone)]
pub struct Secrets {
    pub jwt_secret: Vec<u8>,
    pub hash_pepper: Vec<u8>,
    pub data_key: [u8; 32],
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets(<redacted>)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub environment: Environment,
    pub tables: TableNames,
    pub sms: SmsProvider,
    pub secrets: Secrets,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads `APP_ENV`, the table variables, `SMS_PROVIDER` (+ `SMS_ENDPOINT`, `SMS_API_KEY` or
    /// `SMS_OUTBOX_FILE`) and the secrets `JWT_SECRET`, `HASH_PEPPER`, `DATA_KEY` (base64, 32 bytes).
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
        let sms = match need("SMS_PROVIDER")?.as_str() {
            "sandbox" if environment == Environment::Production => {
                return Err(ConfigError("the sandbox SMS provider cannot run in production".into()))
            }
            "sandbox" => SmsProvider::Sandbox {
                outbox_file: get("SMS_OUTBOX_FILE").filter(|v| !v.is_empty()).map(PathBuf::from),
            },
            "http" => SmsProvider::Http { endpoint: need("SMS_ENDPOINT")?, api_key: need("SMS_API_KEY")? },
            other => return Err(ConfigError(format!("SMS_PROVIDER must be `sandbox` or `http`, not `{other}`"))),
        };
        let secret = |k: &str| -> Result<Vec<u8>, ConfigError> {
            let v = need(k)?.into_bytes();
            if v.len() < 32 {
                return Err(ConfigError(format!("{k} must be at least 32 bytes")));
            }
            Ok(v)
        };
        let data_key: [u8; 32] = B64
            .decode(need("DATA_KEY")?)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(|| ConfigError("DATA_KEY must be 32 bytes, base64".into()))?;
        Ok(Config {
            environment,
            tables: TableNames {
                accounts: need(ACCOUNTS.env_var)?,
                sessions: need(SESSIONS.env_var)?,
                flows: need(FLOWS.env_var)?,
            },
            sms,
            secrets: Secrets { jwt_secret: secret("JWT_SECRET")?, hash_pepper: secret("HASH_PEPPER")?, data_key },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn base() -> HashMap<&'static str, String> {
        HashMap::from([
            ("APP_ENV", "production".to_string()),
            ("ACCOUNTS_TABLE", "a".into()),
            ("SESSIONS_TABLE", "s".into()),
            ("FLOWS_TABLE", "f".into()),
            ("SMS_PROVIDER", "http".into()),
            ("SMS_ENDPOINT", "https://sms.example/send".into()),
            ("SMS_API_KEY", "k".into()),
            ("JWT_SECRET", "j".repeat(32)),
            ("HASH_PEPPER", "p".repeat(32)),
            ("DATA_KEY", B64.encode([1u8; 32])),
        ])
    }

    fn load(env: &HashMap<&'static str, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn production_refuses_the_sandbox_and_short_secrets() {
        assert!(load(&base()).is_ok());
        let mut env = base();
        env.insert("SMS_PROVIDER", "sandbox".into());
        assert!(load(&env).unwrap_err().to_string().contains("sandbox"));
        let mut env = base();
        env.insert("JWT_SECRET", "short".into());
        assert!(load(&env).is_err());
        let mut env = base();
        env.remove("FLOWS_TABLE");
        assert!(load(&env).is_err());
    }

    #[test]
    fn debug_prints_no_secret() {
        let printed = format!("{:?}", load(&base()).unwrap());
        assert!(!printed.contains("jjjj") && !printed.contains("pppp"));
    }
}
