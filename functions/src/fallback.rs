//! The `$default` route: any path or method no other route takes gets a clear error.

use crate::api::{ApiError, ApiResult, METHOD_NOT_ALLOWED, ROUTE_NOT_FOUND};
use crate::AppState;
use http::{Method, Uri};

/// `(method, path)` pairs that exist, so a wrong method on a real path says so: the routes of
/// the lambdas table (`crate::registry`), kept in step with template.yaml by tests.
pub const KNOWN_ROUTES: &[(&str, &str)] = crate::registry::ROUTES;

pub async fn handle(_state: &AppState, method: Method, uri: Uri) -> ApiResult {
    let path = uri.path();
    Err(if KNOWN_ROUTES.iter().any(|(_, p)| route_matches(p, path)) {
        ApiError::edge(METHOD_NOT_ALLOWED, format!("{method} is not allowed on {path}"))
    } else {
        ApiError::edge(ROUTE_NOT_FOUND, "no such route")
    })
}

/// Whether a route template (`/v1/sessions/{session_id}`) covers a concrete path.
fn route_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.trim_end_matches('/').split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}
