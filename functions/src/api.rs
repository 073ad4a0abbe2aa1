//! The HTTP edge shared by every handler: reading the caller and the JSON body, the one API error
//! type with its one mapping to HTTP, and JSON responses.

use http::{header, HeaderValue, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use shared::domain::session::Principal;
use shared::usecases::Caller;
use shared::Error;
use std::future::Future;

/// Larger JSON bodies are refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every stable error code the API answers with: (code, HTTP status, meaning). Codes are never
/// renamed; the README lists them and a test keeps the two in step.
pub const ERROR_CODES: &[(&str, u16, &str)] = &[
    ("MALFORMED_JSON", 400, "the body is not valid JSON"),
    ("BODY_TOO_LARGE", 413, "the body exceeds 16 KiB"),
    ("INVALID_FIELD", 422, "a field is missing, of the wrong type, unknown or invalid (`details.field`)"),
    ("ROUTE_NOT_FOUND", 404, "no such route"),
    ("METHOD_NOT_ALLOWED", 405, "the route exists but not with this method"),
    ("USERNAME_TAKEN", 409, "the username is taken (usernames are never reused)"),
    ("PHONE_ACCOUNT_LIMIT", 409, "the phone number already has 10 cloud accounts"),
    ("WEAK_PASSWORD", 422, "the password breaks the policy (`details.reason`)"),
    ("AGREEMENTS_REQUIRED", 422, "the current agreements were not all accepted (`details.missing`)"),
    ("CODE_MISMATCH", 400, "the verification code is wrong (`details.attempts_left`)"),
    ("CODE_EXPIRED", 400, "the verification code has expired"),
    ("CODE_USED", 400, "the verification code was already used"),
    ("CODE_ATTEMPTS_EXCEEDED", 400, "too many wrong tries: request a new code"),
    ("CODE_NOT_FOUND", 400, "no such verification request"),
    ("RATE_LIMITED", 429, "too many requests (`Retry-After`)"),
    ("INVALID_CREDENTIALS", 401, "the username or password is wrong"),
    ("SIGN_IN_LOCKED", 429, "sign-in is locked for a while after repeated failures (`Retry-After`)"),
    ("UNAUTHENTICATED", 401, "the token is missing, invalid, expired, signed out or idle too long"),
    ("NOT_FOUND", 404, "no such resource for this caller"),
    (
        "STEP_UP_REQUIRED",
        403,
        "this operation needs a fresh second factor (`details.factors`): pass `POST /v1/step-up` first",
    ),
    ("SECOND_FACTOR_INVALID", 400, "the second factor is wrong (`details.attempts_left` in a sign-in)"),
    ("SECOND_FACTOR_ATTEMPTS_EXCEEDED", 400, "too many wrong second factors: sign in again"),
    ("SIGN_IN_FLOW_INVALID", 400, "the pending sign-in is unknown, expired or finished: sign in again"),
    ("TOTP_NOT_BOUND", 409, "no virtual MFA device is bound: bind one with `POST /v1/mfa/totp`"),
    ("TOTP_ALREADY_BOUND", 409, "a virtual MFA device is already bound"),
    ("TOTP_BINDING_INVALID", 400, "the MFA binding is unknown, expired or finished: start again"),
    ("CURRENT_PASSWORD_WRONG", 400, "the current password is wrong"),
    ("IDLE_TIMEOUT_OUT_OF_RANGE", 422, "the idle timeout must be 15-1439 minutes"),
    ("ALREADY_VERIFIED", 409, "the account is already real-name verified"),
    ("UNDER_AGE", 422, "the document's holder is under 14"),
    ("DOCUMENT_ACCOUNT_LIMIT", 409, "this document is already used by several other accounts (5 at most)"),
    (
        "BANK_CARD_MISMATCH",
        422,
        "the bank did not confirm the four elements (`details.attempts_left`, `details.remaining_methods`)",
    ),
    ("BANK_CARD_ATTEMPTS_EXHAUSTED", 409, "the 10 bank-card attempts are used up (`details.remaining_methods`)"),
    ("FACE_SESSION_ENDED", 409, "the face session already ended: start a new one"),
    ("FACE_SESSION_EXPIRED", 409, "the face session expired: start a new one"),
    ("CALLBACK_SIGNATURE_INVALID", 401, "a provider callback without a valid signature"),
    ("PERSONAL_VERIFICATION_REQUIRED", 403, "personal real-name verification is required first"),
    ("PHONE_TAKEN", 409, "the phone number already has a passport account"),
    ("EMAIL_TAKEN", 409, "the email already signs in to another passport account"),
    ("CAPTCHA_INVALID", 400, "the captcha answer is wrong or it expired: get a new captcha"),
    (
        "ACTIVATION_REQUIRED",
        403,
        "accept the agreements first (`POST /v1/accounts/me/activation`): nothing else works until then",
    ),
    ("QR_TICKET_EXPIRED", 409, "the QR login ticket expired (2 minutes): show a new code"),
    ("QR_TICKET_USED", 409, "the QR login ticket was already used or rejected"),
    ("QR_TICKET_FOREIGN", 403, "another account scanned this ticket"),
    ("QR_TICKET_OUT_OF_ORDER", 409, "the ticket is not ready for this step (scan before confirming)"),
    ("PROVIDER_UNAVAILABLE", 503, "an outside provider (SMS) did not answer; retry"),
    ("INTERNAL", 500, "an unexpected fault; quote the request id"),
];

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
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), details: None, retry_after_secs: None, cause: None }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        let message = err.to_string();
        match err {
            Error::InvalidField { ref field, ref reason } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "INVALID_FIELD", message.clone())
                    .with_details(json!({"field": field, "reason": reason}))
            }
            Error::UsernameTaken => ApiError::new(S::CONFLICT, "USERNAME_TAKEN", message),
            Error::PhoneAccountLimit => ApiError::new(S::CONFLICT, "PHONE_ACCOUNT_LIMIT", message),
            Error::WeakPassword(r) => ApiError::new(S::UNPROCESSABLE_ENTITY, "WEAK_PASSWORD", message)
                .with_details(json!({"reason": r.reason_code()})),
            Error::AgreementsRequired { ref missing } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "AGREEMENTS_REQUIRED", message.clone())
                    .with_details(json!({"missing": missing}))
            }
            Error::CodeMismatch { attempts_left } => ApiError::new(S::BAD_REQUEST, "CODE_MISMATCH", message)
                .with_details(json!({"attempts_left": attempts_left})),
            Error::CodeExpired => ApiError::new(S::BAD_REQUEST, "CODE_EXPIRED", message),
            Error::CodeUsed => ApiError::new(S::BAD_REQUEST, "CODE_USED", message),
            Error::CodeAttemptsExceeded => ApiError::new(S::BAD_REQUEST, "CODE_ATTEMPTS_EXCEEDED", message),
            Error::CodeNotFound => ApiError::new(S::BAD_REQUEST, "CODE_NOT_FOUND", message),
            Error::RateLimited { retry_after_secs } => {
                ApiError::new(S::TOO_MANY_REQUESTS, "RATE_LIMITED", message).retry_after(retry_after_secs)
            }
            Error::InvalidCredentials => ApiError::new(S::UNAUTHORIZED, "INVALID_CREDENTIALS", message),
            Error::SignInLocked { retry_after_secs } => {
                ApiError::new(S::TOO_MANY_REQUESTS, "SIGN_IN_LOCKED", message).retry_after(retry_after_secs)
            }
            Error::Unauthenticated => ApiError::new(S::UNAUTHORIZED, "UNAUTHENTICATED", message),
            Error::NotFound => ApiError::new(S::NOT_FOUND, "NOT_FOUND", message),
            Error::StepUpRequired { ref factors } => ApiError::new(S::FORBIDDEN, "STEP_UP_REQUIRED", message.clone())
                .with_details(json!({ "factors": factors })),
            Error::SecondFactorInvalid { attempts_left } => {
                let e = ApiError::new(S::BAD_REQUEST, "SECOND_FACTOR_INVALID", message);
                match attempts_left {
                    Some(left) => e.with_details(json!({ "attempts_left": left })),
                    None => e,
                }
            }
            Error::SecondFactorAttemptsExceeded => {
                ApiError::new(S::BAD_REQUEST, "SECOND_FACTOR_ATTEMPTS_EXCEEDED", message)
            }
            Error::SignInFlowInvalid => ApiError::new(S::BAD_REQUEST, "SIGN_IN_FLOW_INVALID", message),
            Error::TotpNotBound => ApiError::new(S::CONFLICT, "TOTP_NOT_BOUND", message)
                .with_details(json!({ "bind": "POST /v1/mfa/totp" })),
            Error::TotpAlreadyBound => ApiError::new(S::CONFLICT, "TOTP_ALREADY_BOUND", message),
            Error::TotpBindingInvalid => ApiError::new(S::BAD_REQUEST, "TOTP_BINDING_INVALID", message),
            Error::CurrentPasswordWrong => ApiError::new(S::BAD_REQUEST, "CURRENT_PASSWORD_WRONG", message),
            Error::IdleTimeoutOutOfRange => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "IDLE_TIMEOUT_OUT_OF_RANGE", message)
            }
            Error::AlreadyVerified => ApiError::new(S::CONFLICT, "ALREADY_VERIFIED", message),
            Error::UnderAge => ApiError::new(S::UNPROCESSABLE_ENTITY, "UNDER_AGE", message),
            Error::DocumentAccountLimit => ApiError::new(S::CONFLICT, "DOCUMENT_ACCOUNT_LIMIT", message),
            Error::BankCardMismatch { attempts_left, ref remaining_methods } => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "BANK_CARD_MISMATCH", message.clone())
                    .with_details(json!({ "attempts_left": attempts_left, "remaining_methods": remaining_methods }))
            }
            Error::BankCardAttemptsExhausted { ref remaining_methods } => {
                ApiError::new(S::CONFLICT, "BANK_CARD_ATTEMPTS_EXHAUSTED", message.clone())
                    .with_details(json!({ "remaining_methods": remaining_methods }))
            }
            Error::FaceSessionEnded => ApiError::new(S::CONFLICT, "FACE_SESSION_ENDED", message),
            Error::FaceSessionExpired => ApiError::new(S::CONFLICT, "FACE_SESSION_EXPIRED", message),
            Error::CallbackSignatureInvalid => ApiError::new(S::UNAUTHORIZED, "CALLBACK_SIGNATURE_INVALID", message),
            Error::PersonalVerificationRequired => {
                ApiError::new(S::FORBIDDEN, "PERSONAL_VERIFICATION_REQUIRED", message)
            }
            Error::PhoneTaken => ApiError::new(S::CONFLICT, "PHONE_TAKEN", message),
            Error::EmailTaken => ApiError::new(S::CONFLICT, "EMAIL_TAKEN", message),
            Error::CaptchaInvalid => ApiError::new(S::BAD_REQUEST, "CAPTCHA_INVALID", message),
            Error::ActivationRequired => ApiError::new(S::FORBIDDEN, "ACTIVATION_REQUIRED", message)
                .with_details(json!({ "activate": "POST /v1/accounts/me/activation" })),
            Error::QrTicketExpired => ApiError::new(S::CONFLICT, "QR_TICKET_EXPIRED", message),
            Error::QrTicketUsed => ApiError::new(S::CONFLICT, "QR_TICKET_USED", message),
            Error::QrTicketForeign => ApiError::new(S::FORBIDDEN, "QR_TICKET_FOREIGN", message),
            Error::QrTicketOutOfOrder => ApiError::new(S::CONFLICT, "QR_TICKET_OUT_OF_ORDER", message),
            Error::ProviderUnavailable(_) => ApiError {
                cause: Some(Box::new(err)),
                ..ApiError::new(
                    S::SERVICE_UNAVAILABLE,
                    "PROVIDER_UNAVAILABLE",
                    "an outside provider is unavailable; retry later",
                )
            },
            Error::Internal { .. } => ApiError {
                cause: Some(Box::new(err)),
                ..ApiError::new(S::INTERNAL_SERVER_ERROR, "INTERNAL", "an unexpected error occurred")
            },
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

/// Where the request came from (source address and user agent, as API Gateway saw them).
pub fn caller(req: &Request) -> Caller {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => Caller {
            source_ip: ctx.http.source_ip.clone().unwrap_or_default(),
            user_agent: ctx.http.user_agent.clone().unwrap_or_default(),
        },
        _ => Caller::default(),
    }
}

/// The signed-in caller, as the authorizer established it: `UNAUTHENTICATED` otherwise, and
/// `ACTIVATION_REQUIRED` while the account has not accepted the agreements [REG-4].
pub fn principal(req: &Request) -> Result<Principal, ApiError> {
    let p = principal_allowing_activation(req)?;
    if p.activation_pending {
        return Err(Error::ActivationRequired.into());
    }
    Ok(p)
}

/// The caller even before activation: only activating and signing out take it.
pub fn principal_allowing_activation(req: &Request) -> Result<Principal, ApiError> {
    let fields = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref().map(|a| &a.fields),
        _ => None,
    };
    let context = fields
        .and_then(|f| serde_json::to_value(f).ok())
        .and_then(|v| serde_json::from_value::<crate::authorizer::AuthorizerContext>(v).ok());
    context.and_then(|c| c.principal()).ok_or_else(|| Error::Unauthenticated.into())
}

/// Parses the JSON body into `T` (whose fields are domain types), naming the bad field. The body
/// is read as JSON whatever its declared content type (curl's default included).
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BODY_TOO_LARGE",
            format!("the body exceeds {MAX_BODY_BYTES} bytes"),
        ));
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
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "MALFORMED_JSON",
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

/// Runs a handler body and turns its error, if any, into the error response.
pub async fn respond<F>(req: &Request, body: F) -> Response<Body>
where
    F: Future<Output = Result<Response<Body>, ApiError>>,
{
    match body.await {
        Ok(response) => response,
        Err(err) => error_response(err, &request_id(req)),
    }
}
