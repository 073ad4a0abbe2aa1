//! Face-check providers. Both sign result callbacks with the shared callback secret
//! (HMAC-SHA256 of the body, hex, in the `X-Signature` header).
//!
//! Sandbox behaviour (documented in the README): every session opens at once; its QR payload is
//! `cloudapp://face-check?verification=<id>&session=<provider session>`. Nothing happens until the
//! "mobile app" scans it: locally `POST /sandbox/face-app/scan` with `{"qr_payload", "outcome":
//! "pass" | "fail"}` makes the sandbox send the signed callback, as the provider would.

use crate::adapters::http_json::{ApiKey, HttpJson};
use crate::domain::ids::new_opaque_id;
use crate::error::Result;
use crate::ports::{FaceCheck, FaceSession};
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Hex HMAC-SHA256 of a callback body.
pub fn callback_signature(secret: &[u8], body: &[u8]) -> String {
    #[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn authentic(secret: &[u8], body: &[u8], signature: &str) -> bool {
    use subtle::ConstantTimeEq;
    let expected = callback_signature(secret, body);
    expected.len() == signature.len() && bool::from(expected.as_bytes().ct_eq(signature.as_bytes()))
}

pub struct SandboxFace {
    callback_secret: Vec<u8>,
}

impl SandboxFace {
    pub fn new(callback_secret: Vec<u8>) -> Self {
        SandboxFace { callback_secret }
    }

    /// What the sandbox "mobile app" does on scanning: the callback body and its signature.
    pub fn scan(&self, qr_payload: &str, pass: bool) -> Option<(String, String)> {
        let query = qr_payload.strip_prefix("cloudapp://face-check?")?;
        let param = |name: &str| query.split('&').find_map(|p| p.strip_prefix(&format!("{name}="))).map(str::to_owned);
        let body = serde_json::json!({
            "verification_id": param("verification")?,
            "provider_session_id": param("session")?,
            "outcome": if pass { "pass" } else { "fail" },
        })
        .to_string();
        let signature = callback_signature(&self.callback_secret, body.as_bytes());
        Some((body, signature))
    }
}

#[async_trait]
impl FaceCheck for SandboxFace {
    async fn start(&self, reference: &str, _name: &str, _id_number: &str) -> Result<FaceSession> {
        let provider_session_id = format!("sbx-{}", new_opaque_id());
        let qr_payload = format!("cloudapp://face-check?verification={reference}&session={provider_session_id}");
        Ok(FaceSession { provider_session_id, qr_payload })
    }

    fn callback_is_authentic(&self, body: &[u8], signature: &str) -> bool {
        authentic(&self.callback_secret, body, signature)
    }
}

/// `POST {endpoint}/sessions` with `{"reference", "name", "id_number"}` answering
/// `{"session_id", "qr_payload"}`; results come back as signed callbacks.
pub struct HttpFace {
    api: HttpJson,
    callback_secret: Vec<u8>,
}

impl HttpFace {
    pub fn new(endpoint: String, api_key: ApiKey, callback_secret: Vec<u8>) -> Self {
        HttpFace { api: HttpJson::new(endpoint, api_key), callback_secret }
    }
}

#[derive(Deserialize)]
struct StartAnswer {
    session_id: String,
    qr_payload: String,
}

#[async_trait]
impl FaceCheck for HttpFace {
    async fn start(&self, reference: &str, name: &str, id_number: &str) -> Result<FaceSession> {
        let a: StartAnswer = self
            .api
            .post("/sessions", &serde_json::json!({ "reference": reference, "name": name, "id_number": id_number }))
            .await?;
        Ok(FaceSession { provider_session_id: a.session_id, qr_payload: a.qr_payload })
    }

    fn callback_is_authentic(&self, body: &[u8], signature: &str) -> bool {
        authentic(&self.callback_secret, body, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sandbox_app_signs_what_the_check_accepts() {
        let face = SandboxFace::new(b"callback-secret-callback-secret-1".to_vec());
        let session = face.start("v123", "张三", "11010519491231002X").await.unwrap();
        let (body, signature) = face.scan(&session.qr_payload, true).unwrap();
        assert!(body.contains("\"verification_id\":\"v123\"") && body.contains("pass"));
        assert!(face.callback_is_authentic(body.as_bytes(), &signature));
        assert!(!face.callback_is_authentic(body.replace("pass", "fail").as_bytes(), &signature));
        assert!(!SandboxFace::new(b"another".to_vec()).callback_is_authentic(body.as_bytes(), &signature));
        assert!(face.scan("https://elsewhere", true).is_none());
    }
}
