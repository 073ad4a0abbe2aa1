//! The production adapters' one way to call a provider: JSON over HTTPS with a bearer key and a
//! timeout; a failure or a non-2xx answer is "provider unavailable".

use super::http_client::{HttpClient, Outgoing};
use crate::error::{Error, Result};
use http::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A provider's API key as its secret group holds it, or why it is not there: a function starts
/// without the keys it does not need for the work at hand, and a call that needs a missing one
/// fails (500, the group named in the log) instead of the start [issue 27].
#[derive(Clone)]
pub struct ApiKey(std::result::Result<String, String>);

impl ApiKey {
    pub fn given(key: impl Into<String>) -> ApiKey {
        ApiKey(Ok(key.into()))
    }

    /// Not given: `why` names the group and key (never a value).
    pub fn missing(why: impl Into<String>) -> ApiKey {
        ApiKey(Err(why.into()))
    }

    fn value(&self) -> Result<&str> {
        self.0.as_deref().map_err(|why| Error::internal("a secret's value is not usable", why.clone()))
    }
}

pub struct HttpJson {
    client: HttpClient,
    endpoint: String,
    api_key: ApiKey,
}

impl HttpJson {
    pub fn new(endpoint: String, api_key: ApiKey) -> Self {
        HttpJson { client: HttpClient::new(), endpoint, api_key }
    }

    /// POSTs `body` to `{endpoint}{path}` and reads the JSON answer.
    pub async fn post<B: Serialize, R: DeserializeOwned>(&self, path: &str, body: &B) -> Result<R> {
        let api_key = self.api_key.value()?;
        let unavailable = |e: String| Error::ProviderUnavailable(e.into());
        let url = format!("{}{path}", self.endpoint.trim_end_matches('/'));
        let request = Outgoing::new(Method::POST, &url).bearer(api_key).json(body).map_err(unavailable)?;
        let answer = self.client.send(request).await.map_err(unavailable)?;
        answer.success().and_then(|a| a.json()).map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    //! Against a one-shot HTTP server on loopback: what is sent, and how answers are read.
    use super::*;
    use serde_json::{json, Value};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Serves one request with `answer` (unless `None`: then never answers); gives back what it received.
    async fn serve_once(answer: Option<&'static str>) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let served = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut received = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                received.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&received).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if received.len() >= end + 4 + length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            match answer {
                Some(answer) => socket.write_all(answer.as_bytes()).await.unwrap(),
                None => std::future::pending::<()>().await,
            }
            String::from_utf8_lossy(&received).to_string()
        });
        (endpoint, served)
    }

    fn json_answer(status: &str, body: &str) -> &'static str {
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        Box::leak(answer.into_boxed_str())
    }

    #[tokio::test]
    async fn posts_json_with_the_bearer_key_and_reads_the_answer() {
        let (endpoint, served) = serve_once(Some(json_answer("200 OK", r#"{"passed":true}"#))).await;
        let client = HttpJson::new(format!("{endpoint}/"), ApiKey::given("key-123"));
        let answer: Value = client.post("/checks", &json!({"card": "6222"})).await.unwrap();
        assert_eq!(answer, json!({"passed": true}));
        let received = served.await.unwrap();
        assert!(received.starts_with("POST /checks HTTP/1.1\r\n"), "{received}");
        let lower = received.to_ascii_lowercase();
        assert!(lower.contains("authorization: bearer key-123\r\n"), "{received}");
        assert!(lower.contains("content-type: application/json\r\n"), "{received}");
        assert!(received.ends_with(r#"{"card":"6222"}"#), "{received}");
    }

    #[tokio::test]
    async fn a_key_its_group_lacks_fails_the_call_by_name_and_sends_nothing() {
        let (endpoint, served) = serve_once(None).await;
        let missing = ApiKey::missing("EnterpriseSecret has no `registry_api_key`: fill the group");
        let outcome = HttpJson::new(endpoint, missing).post::<_, Value>("/x", &json!({})).await;
        let Err(Error::Internal { context, cause }) = outcome else { panic!("{outcome:?}") };
        assert_eq!(context, "a secret's value is not usable");
        assert!(cause.to_string().contains("EnterpriseSecret has no `registry_api_key`"), "{cause}");
        tokio::task::yield_now().await;
        assert!(!served.is_finished(), "nothing reached the provider");
        served.abort();
    }

    #[tokio::test]
    async fn a_refusal_or_a_malformed_answer_is_the_provider_unavailable() {
        for answer in [json_answer("503 Service Unavailable", "{}"), json_answer("200 OK", "not json")] {
            let (endpoint, _served) = serve_once(Some(answer)).await;
            let outcome = HttpJson::new(endpoint, ApiKey::given("k")).post::<_, Value>("/x", &json!({})).await;
            assert!(matches!(outcome, Err(Error::ProviderUnavailable(_))), "{outcome:?}");
        }
        // Nobody listening.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closed = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let outcome = HttpJson::new(closed, ApiKey::given("k")).post::<_, Value>("/x", &json!({})).await;
        assert!(matches!(outcome, Err(Error::ProviderUnavailable(_))), "{outcome:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_provider_that_never_answers_is_given_up_after_five_seconds() {
        let (endpoint, _served) = serve_once(None).await;
        let started = tokio::time::Instant::now();
        let outcome = HttpJson::new(endpoint, ApiKey::given("k")).post::<_, Value>("/x", &json!({})).await;
        assert!(matches!(outcome, Err(Error::ProviderUnavailable(_))), "{outcome:?}");
        assert_eq!(started.elapsed().as_secs(), 5);
    }
}
