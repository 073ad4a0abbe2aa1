//! The one HTTP client of the production adapters (the providers, third-party sign-in, the staff
//! directory): hyper with rustls over the system's root certificates - the stack the AWS SDK
//! links anyway, so it adds little to a function's binary. Every exchange is limited to 5
//! seconds and every answer to 1 MiB; redirects are not followed (a provider never needs them).

use bytes::Bytes;
use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(5);
const MAX_ANSWER_BYTES: usize = 1 << 20;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// An answer: its status and its whole body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Answer {
    /// This answer if its status is a success; otherwise what the provider answered.
    pub fn success(self) -> Result<Self, String> {
        match self.status.is_success() {
            true => Ok(self),
            false => Err(format!("the provider answered {}", self.status)),
        }
    }

    /// The body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("the answer is not the expected JSON: {e}"))
    }
}

/// A request to send: method, URL, headers and body.
pub struct Outgoing {
    request: http::request::Builder,
    body: Bytes,
}

impl Outgoing {
    pub fn new(method: Method, url: &str) -> Self {
        Outgoing { request: Request::builder().method(method).uri(url), body: Bytes::new() }
    }

    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.request = self.request.header(name.as_ref(), value.as_ref());
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header(header::AUTHORIZATION.as_str(), format!("Bearer {token}"))
    }

    /// A JSON body.
    pub fn json<B: serde::Serialize>(mut self, body: &B) -> Result<Self, String> {
        self.body = serde_json::to_vec(body).map_err(|e| e.to_string())?.into();
        Ok(self.header(header::CONTENT_TYPE.as_str(), "application/json"))
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish().into();
        self.header(header::CONTENT_TYPE.as_str(), "application/x-www-form-urlencoded")
    }

    /// A body as it is, with its content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.header(header::CONTENT_TYPE.as_str(), content_type)
    }
}

/// The client; without usable root certificates every exchange fails, saying why.
pub struct HttpClient {
    client: Result<Client<Connector, Full<Bytes>>, String>,
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

/// The TLS configuration (aws-lc-rs, the system's root certificates), read once per process
/// however many adapters call out.
fn tls() -> Result<rustls::ClientConfig, String> {
    static TLS: std::sync::OnceLock<Result<rustls::ClientConfig, String>> = std::sync::OnceLock::new();
    TLS.get_or_init(|| {
        use hyper_rustls::ConfigBuilderExt;
        rustls::ClientConfig::builder_with_provider(rustls::crypto::aws_lc_rs::default_provider().into())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_native_roots()
            .map(|builder| builder.with_no_client_auth())
            .map_err(|e| format!("no root certificates for HTTPS: {e}"))
    })
    .clone()
}

impl HttpClient {
    pub fn new() -> Self {
        let client = tls().map(|config| {
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(config)
                .https_or_http()
                .enable_http1()
                .build();
            Client::builder(TokioExecutor::new()).build(connector)
        });
        HttpClient { client }
    }

    /// Sends `request` and reads the whole answer (any status); an error is a failed exchange.
    pub async fn send(&self, request: Outgoing) -> Result<Answer, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let Outgoing { request, body } = request;
        let request = request.body(Full::new(body)).map_err(|e| format!("a malformed request: {e}"))?;
        let exchange = async {
            let response = client.request(request).await.map_err(|e| format!("the exchange failed: {e}"))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("the answer could not be read: {e}"))?
                .to_bytes();
            Ok(Answer { status, body })
        };
        tokio::time::timeout(TIMEOUT, exchange).await.map_err(|_| "no answer within 5 seconds".to_owned())?
    }
}
