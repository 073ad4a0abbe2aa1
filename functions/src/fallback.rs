//! The `$default` route: any path or method no other route takes gets a clear error.

use crate::api::{ApiError, ApiResult, METHOD_NOT_ALLOWED, ROUTE_NOT_FOUND};
use crate::AppState;
use http::{Method, Uri};

/// `(method, path)` pairs that exist, so a wrong method on a real path says so: the routes of
/// the lambdas table (`crate::registry`), kept in step with template.yaml by tests.
pub const KNOWN_ROUTES: &[(&str, &str)] = crate::registry::ROUTES;

/// The methods routes can have, in the order an `Allow` header lists them.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

pub async fn handle(_state: &AppState, method: Method, uri: Uri) -> ApiResult {
    let path = uri.path();
    let allowed = allowed_methods(path);
    Err(if allowed.is_empty() {
        ApiError::edge(ROUTE_NOT_FOUND, "no such route")
    } else {
        ApiError::edge(METHOD_NOT_ALLOWED, format!("{method} is not allowed on {path}")).with_allow(&allowed)
    })
}

/// The methods some route takes on `path` (empty: no route has this path).
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    METHODS
        .into_iter()
        .filter(|m| KNOWN_ROUTES.iter().any(|(method, p)| method == m && route_matches(p, path)))
        .collect()
}

/// Whether a route template (`/v1/sessions/{session_id}`) covers a concrete path.
fn route_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.trim_end_matches('/').split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_every_method_of_the_path() {
        assert_eq!(allowed_methods("/v1/sessions"), ["GET", "POST"]);
        assert_eq!(allowed_methods("/v1/sessions/second-factor"), ["POST", "DELETE"]);
        assert_eq!(allowed_methods("/v1/accounts/me/"), ["GET"]);
        assert!(allowed_methods("/v1/nothing-here").is_empty());
        for (method, _) in KNOWN_ROUTES {
            assert!(METHODS.contains(method), "{method} is missing from METHODS");
        }
    }
}
