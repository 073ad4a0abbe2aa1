//! What a Lambda builds once per cold start and lends to every invocation.

use crate::api::Cors;
use shared::adapters::clock::SystemClock;
use shared::config::Config;
use shared::ports::Clock;
use shared::services::Needs;
use shared::Services;
use std::sync::Arc;

pub struct AppState {
    pub services: Services,
    /// The origins allowed cross-origin (`CORS_ALLOWED_ORIGINS`), applied by [`crate::api::finish`].
    pub cors: Cors,
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
        })
    }

    /// The same state with only the keys a function that needs `needs` holds.
    pub fn restricted(&self, needs: Needs) -> AppState {
        AppState { services: self.services.restricted(needs), cors: self.cors.clone() }
    }

    /// The same state (clock, store, providers) without the data key.
    pub fn without_data_key(&self) -> AppState {
        AppState { services: self.services.without_data_key(), cors: self.cors.clone() }
    }
}
