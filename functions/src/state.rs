//! What a Lambda builds once per cold start and lends to every invocation.

use shared::adapters::clock::SystemClock;
use shared::config::Config;
use shared::ports::Clock;
use shared::Services;
use std::sync::Arc;

pub struct AppState {
    pub services: Services,
}

impl AppState {
    /// Reads the configuration from the environment; fails fast on a bad one.
    pub async fn from_env() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let config = Config::from_env()?;
        Ok(Self::new(&config, Arc::new(SystemClock)).await?)
    }

    pub async fn new(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, shared::Error> {
        Ok(AppState { services: Services::from_config(config, clock).await? })
    }
}
