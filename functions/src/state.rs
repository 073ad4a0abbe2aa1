//! What a Lambda builds once per cold start and lends to every invocation.

use crate::api::Cors;
use shared::adapters::clock::SystemClock;
use shared::config::{Config, StaffIssuer};
use shared::ports::Clock;
use shared::services::Needs;
use shared::Services;
use std::sync::Arc;

pub struct AppState {
    pub services: Services,
    /// The origins allowed cross-origin (`CORS_ALLOWED_ORIGINS`), applied by [`crate::api::finish`].
    pub cors: Cors,
    /// How the staff sign in (the dashboard's sign-in; the staff routes' claims).
    pub staff_identity: Arc<StaffIdentity>,
}

/// How the staff sign in: with the stack's staff pool (password and virtual MFA through the
/// staff session routes; Cognito's access tokens, `username` and `cognito:groups`), or where
/// there is none through an OpenID Connect issuer (the dashboard's authorization code with
/// PKCE; its access tokens, the claims its configuration names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffIdentity {
    Pool,
    Issuer { issuer: StaffIssuer, client_id: String },
}

impl StaffIdentity {
    pub fn of(config: &Config) -> Self {
        match &config.staff_issuer {
            None => StaffIdentity::Pool,
            Some(issuer) => StaffIdentity::Issuer { issuer: issuer.clone(), client_id: config.staff.client_id.clone() },
        }
    }
}

impl AppState {
    /// Reads the configuration from the environment and takes what the function `needs` (the
    /// data key only if its row says so); fails fast on a bad configuration.
    pub async fn from_env(needs: Needs) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let config = Config::from_env()?;
        Ok(Self::with_needs(&config, Arc::new(SystemClock), needs).await?)
    }

    /// A state with everything, the data key included (the local tools, tests acting as any
    /// function).
    pub async fn new(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, shared::Error> {
        Self::with_needs(config, clock, Needs::ALL).await
    }

    /// The state of a function that needs `needs`, as its Lambda builds it at cold start.
    pub async fn with_needs(config: &Config, clock: Arc<dyn Clock>, needs: Needs) -> Result<Self, shared::Error> {
        Ok(AppState {
            services: Services::from_config(config, clock, needs).await?,
            cors: Cors::new(config.cors_allowed_origins.clone()),
            staff_identity: Arc::new(StaffIdentity::of(config)),
        })
    }

    /// The same state with only the keys a function that needs `needs` holds.
    pub fn restricted(&self, needs: Needs) -> AppState {
        AppState {
            services: self.services.restricted(needs),
            cors: self.cors.clone(),
            staff_identity: self.staff_identity.clone(),
        }
    }

    /// The same state (clock, store, providers) without the data key.
    pub fn without_data_key(&self) -> AppState {
        AppState {
            services: self.services.without_data_key(),
            cors: self.cors.clone(),
            staff_identity: self.staff_identity.clone(),
        }
    }
}
