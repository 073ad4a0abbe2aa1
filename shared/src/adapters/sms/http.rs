use crate::error::{Error, Result};
use crate::ports::SmsSender;
use async_trait::async_trait;
use std::time::Duration;

/// Sends through the provider's HTTP API: `POST {endpoint}` with `{"to": .., "text": ..}` and a
/// bearer API key. Any non-2xx answer is "provider unavailable".
pub struct HttpSms {
    client: reqwest::Client,
    endpoint: String,
    api_key: String,
}

impl HttpSms {
    pub fn new(endpoint: String, api_key: String) -> Self {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("HTTP client builds");
        HttpSms { client, endpoint, api_key }
    }
}

#[async_trait]
impl SmsSender for HttpSms {
    async fn send(&self, phone_e164: &str, text: &str) -> Result<()> {
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(&self.api_key)
            .json(&serde_json::json!({ "to": phone_e164, "text": text }))
            .send()
            .await
            .map_err(|e| Error::ProviderUnavailable(e.into()))?;
        response.error_for_status().map(|_| ()).map_err(|e| Error::ProviderUnavailable(e.into()))
    }
}
