//! The `$default` route: any path or method no other route takes gets a clear error.

use crate::api::{self, ApiError};
use crate::AppState;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

/// `(method, path)` pairs that exist, so a wrong method on a real path says so. Kept in step with
/// template.yaml by a test.
pub const KNOWN_ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/sms-codes"),
    ("POST", "/v1/accounts"),
    ("GET", "/v1/accounts/me"),
    ("POST", "/v1/sessions"),
    ("DELETE", "/v1/sessions/current"),
];

pub async fn handle(_state: &AppState, req: Request) -> Response<Body> {
    api::respond(&req, async {
        let path = req.uri().path();
        Err(if KNOWN_ROUTES.iter().any(|(_, p)| *p == path) {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!("{} is not allowed on {path}", req.method()),
            )
        } else {
            ApiError::new(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", "no such route")
        })
    })
    .await
}
