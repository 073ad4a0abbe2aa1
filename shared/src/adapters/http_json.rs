//! The production adapters' one way to call a provider: JSON over HTTPS with a bearer key and a
//! timeout; a failure or a non-2xx answer is "provider unavailable".

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

pub struct HttpJson {
    client: reqwest::Client,
    endpoint: String,
    api_key: String,
}

impl HttpJson {
    pub fn new(endpoint: String, api_key: String) -> Self {
        // Building fails only without a TLS backend, which is compiled in: fall back to the default client.
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap_or_default();
        HttpJson { client, endpoint, api_key }
    }

    /// POSTs `body` to `{endpoint}{path}` and reads the JSON answer.
    pub async fn post<B: Serialize, R: DeserializeOwned>(&self, path: &str, body: &B) -> Result<R> {
        let url = format!("{}{path}", self.endpoint.trim_end_matches('/'));
        let response = self
            .client
            .post(url)
            .bearer_auth(&self.api_key)
            .json(body)
            .send()
            .await
            .map_err(|e| Error::ProviderUnavailable(e.into()))?;
        let response = response.error_for_status().map_err(|e| Error::ProviderUnavailable(e.into()))?;
        response.json().await.map_err(|e| Error::ProviderUnavailable(e.into()))
    }
}
