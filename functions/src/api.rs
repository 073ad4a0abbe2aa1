//! The HTTP edge shared by every handler: the JSON body parsed into domain types, the one API
//! error type with its one mapping to HTTP, and JSON responses. What a handler takes from the
//! request (caller, principal, body, path) is in [`crate::extract`].

use http::{header, HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use shared::error::ErrorCode;
use shared::Error;

/// Larger JSON bodies are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The codes only the edge answers with (before or instead of any use case), each listed once.
pub const MALFORMED_JSON: ErrorCode =
    ErrorCode { code: "MALFORMED_JSON", status: 400, meaning: "the body is not valid JSON" };
pub const BODY_TOO_LARGE: ErrorCode =
    ErrorCode { code: "BODY_TOO_LARGE", status: 413, meaning: "the body exceeds 16 KiB" };
pub const ROUTE_NOT_FOUND: ErrorCode = ErrorCode { code: "ROUTE_NOT_FOUND", status: 404, meaning: "no such route" };
pub const METHOD_NOT_ALLOWED: ErrorCode =
    ErrorCode { code: "METHOD_NOT_ALLOWED", status: 405, meaning: "the route exists but not with this method" };
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
    pub details: Option<Value>,
    pub retry_after_secs: Option<u64>,
    /// The fault behind an opaque 500, for the log only.
    pub cause: Option<Box<Error>>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), details: None, retry_after_secs: None, cause: None }
    }

    /// A refusal with one of the edge's own codes.
    pub fn edge(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::new(status(code), code.code, message)
    }
}

fn status(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status).expect("error statuses are valid HTTP statuses")
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
            details: err.details(),
            retry_after_secs: err.retry_after_secs(),
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
    let mut response = Response::new(Body::Text(serde_json::to_string(body).expect("response serialises")));
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

/// The error body: `{"error": {"code", "message", "request_id", "details"?}}`.
pub fn error_response(err: ApiError, request_id: &str) -> Response<Body> {
    if let Some(cause) = &err.cause {
        tracing::error!(request_id, code = err.code, error = %error_chain(cause), "request failed");
    } else {
        tracing::info!(request_id, code = err.code, "request refused");
    }
    let mut body = json!({"code": err.code, "message": err.message, "request_id": request_id});
    if let Some(details) = err.details {
        body["details"] = details;
    }
    let mut response = json_response(err.status, &json!({ "error": body }));
    if let Some(secs) = err.retry_after_secs {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if err.status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"account-centre\""));
    }
    response
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
