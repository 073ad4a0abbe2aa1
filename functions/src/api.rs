//! The HTTP edge shared by every handler: the JSON body parsed into domain types, the one API
//! error type with its one mapping to HTTP, JSON responses, and [`finish`]: the headers every
//! answer carries (security headers, request id, no-store, CORS), added in one place that every
//! handler's response passes through ([`crate::extract::Handler`]). What a handler takes from the
//! request (caller, principal, body, path) is in [`crate::extract`].

use http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::error::{ErrorCode, ErrorDetails};
use shared::Error;

/// Larger JSON bodies are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The codes only the edge answers with (before or instead of any use case), each listed once.
pub const MALFORMED_JSON: ErrorCode =
    ErrorCode { code: "MALFORMED_JSON", status: 400, meaning: "the body is not valid JSON" };
pub const BODY_TOO_LARGE: ErrorCode =
    ErrorCode { code: "BODY_TOO_LARGE", status: 413, meaning: "the body exceeds 16 KiB" };
pub const ROUTE_NOT_FOUND: ErrorCode = ErrorCode { code: "ROUTE_NOT_FOUND", status: 404, meaning: "no such route" };
pub const METHOD_NOT_ALLOWED: ErrorCode = ErrorCode {
    code: "METHOD_NOT_ALLOWED",
    status: 405,
    meaning: "the route exists but not with this method (`Allow` lists the methods it has)",
};
const EDGE_CODES: [ErrorCode; 4] = [MALFORMED_JSON, BODY_TOO_LARGE, ROUTE_NOT_FOUND, METHOD_NOT_ALLOWED];

/// Every stable error code the API answers with: (code, HTTP status, meaning): the edge's, then
/// those of `shared::Error` (declared beside its variants). Codes are never renamed; the README
/// and `infra/openapi.json` list them and tests keep them in step.
pub const ERROR_CODES: &[(&str, u16, &str)] = &ALL_CODES;

const ALL_CODES: [(&str, u16, &str); EDGE_CODES.len() + Error::CODES.len()] = {
    let mut all = [("", 0, ""); EDGE_CODES.len() + Error::CODES.len()];
    let mut i = 0;
    while i < all.len() {
        let c = if i < EDGE_CODES.len() { EDGE_CODES[i] } else { Error::CODES[i - EDGE_CODES.len()] };
        all[i] = (c.code, c.status, c.meaning);
        i += 1;
    }
    all
};

/// An error as the client sees it: status, stable code, message, optional details.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Boxed to keep the error small.
    pub details: Option<Box<ErrorDetails>>,
    pub retry_after_secs: Option<u64>,
    /// The methods the path does support (the `Allow` header of a `405`); boxed to keep the
    /// error small.
    pub allow: Option<Box<str>>,
    /// The fault behind an opaque 500, for the log only.
    pub cause: Option<Box<Error>>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after_secs: None,
            allow: None,
            cause: None,
        }
    }

    /// With an `Allow` header naming `methods` (a `405 METHOD_NOT_ALLOWED`).
    pub fn with_allow(mut self, methods: &[&str]) -> Self {
        self.allow = Some(methods.join(", ").into_boxed_str());
        self
    }

    /// A refusal with one of the edge's own codes.
    pub fn edge(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::new(status(code), code.code, message)
    }
}

fn status(code: ErrorCode) -> StatusCode {
    // Every row's status is a valid HTTP status (a unit test checks them all).
    StatusCode::from_u16(code.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The one mapping of use-case errors to answers: everything comes from the variant's row in
/// `shared::error`.
impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let code = err.error_code();
        ApiError {
            status: status(code),
            code: code.code,
            message: err.public_message(),
            details: err.details().map(Box::new),
            retry_after_secs: err.retry_after_secs(),
            allow: None,
            cause: err.is_fault().then(|| Box::new(err)),
        }
    }
}

/// The request id API Gateway assigned (quoted in every error).
pub fn request_id(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".into())
}

/// What a handler answers: a response, or the error to answer with.
pub type ApiResult = Result<Response<Body>, ApiError>;

/// Parses the JSON body into `T` (whose fields are domain types), naming the bad field. The body
/// is read as JSON whatever its declared content type (curl's default included).
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::edge(BODY_TOO_LARGE, format!("the body exceeds {MAX_BODY_BYTES} bytes")));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return malformed(&inner);
        }
        let reason = inner.to_string();
        let reason = reason.split(" at line ").next().unwrap_or(&reason).to_owned();
        let field = if path == "." || path.is_empty() { missing_field_name(&reason).unwrap_or_default() } else { path };
        ApiError::from(Error::InvalidField { field, reason })
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::edge(
        MALFORMED_JSON,
        format!("the body is not valid JSON ({:?} at line {}, column {})", err.classify(), err.line(), err.column()),
    )
}

fn missing_field_name(reason: &str) -> Option<String> {
    let rest = reason.strip_prefix("missing field `").or_else(|| reason.strip_prefix("unknown field `"))?;
    rest.split('`').next().map(str::to_owned)
}

/// A JSON response.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    // Our answer types always serialise; should one ever fail, the client gets an empty object.
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `204 No Content`.
pub fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// The body of every refusal and fault.
#[derive(Serialize, JsonSchema)]
pub struct ErrorAnswer {
    pub error: ErrorBody,
}

/// A refusal or fault: its stable code, a message for people, the request id to quote, and what
/// the client needs to act on it.
#[derive(Serialize, JsonSchema)]
pub struct ErrorBody {
    /// One of the stable codes (`x-meanings` says what each means).
    pub code: &'static str,
    pub message: String,
    pub request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<ErrorDetails>,
}

/// The error body: `{"error": {"code", "message", "request_id", "details"?}}`.
pub fn error_response(err: ApiError, request_id: &str) -> Response<Body> {
    if let Some(cause) = &err.cause {
        tracing::error!(request_id, code = err.code, error = %error_chain(cause), "request failed");
    } else {
        tracing::info!(request_id, code = err.code, "request refused");
    }
    let body = ErrorBody {
        code: err.code,
        message: err.message,
        request_id: request_id.to_owned(),
        details: err.details.map(|d| *d),
    };
    let mut response = json_response(err.status, &ErrorAnswer { error: body });
    if let Some(secs) = err.retry_after_secs {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(allow) = err.allow.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    if err.status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"account-centre\""));
    }
    response
}

/// `Strict-Transport-Security` on every answer: two years, subdomains included.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";
/// `Content-Security-Policy` of an HTML page: its own scripts, styles and images only (data: images
/// for QR codes), never framed, no base or foreign form targets.
pub const HTML_CSP: &str = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                            frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// `Content-Security-Policy` of every other answer (JSON, empty): nothing loads, nothing frames it.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// The request id header (API Gateway's request id, as quoted in error bodies).
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The headers every answer carries, set here and nowhere else (handlers only build status, body,
/// content type and their own headers such as `Retry-After`):
///
/// - `Strict-Transport-Security` ([`HSTS`]), `X-Content-Type-Options: nosniff`,
///   `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`;
/// - `X-Request-Id`: API Gateway's request id, the one error bodies quote;
/// - `Cache-Control: no-store` unless the handler chose otherwise (every answer is personal);
/// - `Content-Security-Policy`: [`HTML_CSP`] on an HTML page, [`API_CSP`] on anything else
///   (unless the handler set its own);
/// - CORS for an `Origin` the configuration lists ([`Cors::decorate`]).
pub fn finish(mut response: Response<Body>, request_id: &str, origin: Option<&str>, cors: &Cors) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert(X_REQUEST_ID, id);
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(if html {
        HTML_CSP
    } else {
        API_CSP
    }));
    cors.decorate(origin, headers);
    response
}

/// The browser origins (the consoles) allowed to call the API cross-origin, from the configuration
/// (`CORS_ALLOWED_ORIGINS`), and the one CORS policy: the functions apply it to their answers, the
/// local gateway answers preflights with it, and template.yaml's `CorsConfiguration` states the
/// same (a test compares them). No credentials: tokens travel in the `Authorization` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    allowed_origins: Vec<String>,
}

impl Cors {
    /// `Access-Control-Allow-Methods`: every method a route has.
    pub const ALLOW_METHODS: &'static [&'static str] = &["GET", "POST", "PUT", "DELETE"];
    /// `Access-Control-Allow-Headers`.
    pub const ALLOW_HEADERS: &'static [&'static str] = &["authorization", "content-type", "x-appeal-secret"];
    /// `Access-Control-Expose-Headers`: what a console script may read besides the safelisted ones.
    pub const EXPOSE_HEADERS: &'static [&'static str] = &["retry-after", "x-request-id"];
    /// `Access-Control-Max-Age` of a preflight, in seconds.
    pub const MAX_AGE_SECS: u32 = 600;

    pub fn new(allowed_origins: Vec<String>) -> Self {
        Cors { allowed_origins }
    }

    /// Whether any origin is allowed (CORS is on).
    pub fn is_enabled(&self) -> bool {
        !self.allowed_origins.is_empty()
    }

    /// The request's `Origin` if the configuration lists it (exactly).
    fn listed<'a>(&self, origin: Option<&'a str>) -> Option<&'a str> {
        origin.filter(|o| self.allowed_origins.iter().any(|allowed| allowed == o))
    }

    /// On an answer: `Access-Control-Allow-Origin: <origin>` (and the exposed headers) for a listed
    /// origin, nothing CORS for any other; `Vary: Origin` whenever CORS is on, since the answer
    /// then depends on it.
    pub fn decorate(&self, origin: Option<&str>, headers: &mut HeaderMap) {
        if !self.is_enabled() {
            return;
        }
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = self.listed(origin).and_then(|o| HeaderValue::from_str(o).ok()) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            if let Some(v) = header_list(Cors::EXPOSE_HEADERS) {
                headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
            }
        }
    }

    /// The headers of the answer to a preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`), as API Gateway's CORS configuration gives them: for a
    /// listed origin the allowed origin, methods and headers and the max age; nothing CORS for
    /// another origin. (API Gateway answers preflights itself: no handler runs for them.)
    pub fn preflight(&self, origin: Option<&str>, headers: &mut HeaderMap) {
        if !self.is_enabled() {
            return;
        }
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = self.listed(origin).and_then(|o| HeaderValue::from_str(o).ok()) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            if let Some(v) = header_list(Cors::ALLOW_METHODS) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
            }
            if let Some(v) = header_list(Cors::ALLOW_HEADERS) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
            }
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(Cors::MAX_AGE_SECS));
        }
    }
}

/// `a, b, c` as a header value.
fn header_list(items: &[&str]) -> Option<HeaderValue> {
    HeaderValue::from_str(&items.join(", ")).ok()
}

/// The whole cause chain of a fault, for the log.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(content_type: Option<&'static str>, origin: Option<&str>, cors: &Cors) -> Response<Body> {
        let mut response = Response::new(Body::Text("x".into()));
        if let Some(t) = content_type {
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
        }
        finish(response, "req-1", origin, cors)
    }

    fn get<'a>(r: &'a Response<Body>, name: &str) -> Option<&'a str> {
        r.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn every_answer_gets_the_security_headers_and_an_html_page_the_strict_policy() {
        let json = finished(Some("application/json"), None, &Cors::default());
        assert_eq!(get(&json, "content-security-policy"), Some(API_CSP));
        for r in [&json, &finished(None, None, &Cors::default())] {
            assert_eq!(get(r, "strict-transport-security"), Some("max-age=63072000; includeSubDomains"));
            assert_eq!(get(r, "x-content-type-options"), Some("nosniff"));
            assert_eq!(get(r, "referrer-policy"), Some("no-referrer"));
            assert_eq!(get(r, "x-frame-options"), Some("DENY"));
            assert_eq!(get(r, "cache-control"), Some("no-store"));
            assert_eq!(get(r, "x-request-id"), Some("req-1"));
            assert_eq!(get(r, "vary"), None);
        }
        let page = finished(Some("text/html; charset=utf-8"), None, &Cors::default());
        let csp = get(&page, "content-security-policy").unwrap_or_default();
        assert_eq!(csp, HTML_CSP);
        for directive in ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "script-src 'self'"] {
            assert!(csp.contains(directive), "{directive}");
        }
        assert!(!csp.contains("unsafe"));
        assert_eq!(get(&page, "x-frame-options"), Some("DENY"));
    }

    #[test]
    fn cors_only_for_a_listed_origin_and_never_with_credentials() {
        let cors = Cors::new(vec!["https://console.example.com".into()]);
        let listed = finished(None, Some("https://console.example.com"), &cors);
        assert_eq!(get(&listed, "access-control-allow-origin"), Some("https://console.example.com"));
        assert_eq!(get(&listed, "vary"), Some("Origin"));
        assert_eq!(get(&listed, "access-control-allow-credentials"), None);
        for origin in [Some("https://evil.example"), Some("https://console.example.com.evil.example"), None] {
            let r = finished(None, origin, &cors);
            assert!(r.headers().keys().all(|k| !k.as_str().starts_with("access-control-")), "{origin:?}");
            assert_eq!(get(&r, "vary"), Some("Origin"));
        }
        let mut preflight = HeaderMap::new();
        cors.preflight(Some("https://console.example.com"), &mut preflight);
        assert_eq!(
            preflight.get("access-control-allow-methods").map(|v| v.as_bytes()),
            Some(&b"GET, POST, PUT, DELETE"[..])
        );
        assert_eq!(preflight.get("access-control-max-age").map(|v| v.as_bytes()), Some(&b"600"[..]));
        let mut off = HeaderMap::new();
        Cors::default().preflight(Some("https://console.example.com"), &mut off);
        assert!(off.is_empty());
    }

    #[test]
    fn cors_allows_every_method_a_route_has() {
        for (method, path) in crate::registry::ROUTES {
            assert!(Cors::ALLOW_METHODS.contains(method), "{method} {path}");
        }
    }

    #[test]
    fn every_code_has_a_valid_http_status() {
        for (code, status, _) in ERROR_CODES {
            assert!(StatusCode::from_u16(*status).is_ok(), "{code}: {status}");
        }
    }
}
