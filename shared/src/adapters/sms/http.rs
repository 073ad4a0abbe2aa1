use crate::adapters::http_json::{ApiKey, HttpJson};
use crate::error::Result;
use crate::ports::SmsSender;
use async_trait::async_trait;

/// Sends through the provider's HTTP API: `POST {endpoint}` with `{"to", "text"}`.
pub struct HttpSms(HttpJson);

impl HttpSms {
    pub fn new(endpoint: String, api_key: ApiKey) -> Self {
        HttpSms(HttpJson::new(endpoint, api_key))
    }
}

#[async_trait]
impl SmsSender for HttpSms {
    async fn send(&self, phone_e164: &str, text: &str) -> Result<()> {
        let _: serde_json::Value = self.0.post("", &serde_json::json!({ "to": phone_e164, "text": text })).await?;
        Ok(())
    }
}
