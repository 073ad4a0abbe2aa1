//! The project's own web pages, static and embedded in their binaries: the reviewers' dashboard
//! (issue 10) at `/review/` (`index.html`, `app.js`, `app.css`, `favicon.svg`, from
//! `functions/assets/review/`), which signs staff in and calls the review API from the same
//! origin, and the console's passkey page [KEY-1] at `/console/` (`index.html`, `console.js`,
//! `console.css`, from `functions/assets/console/`): a customer signs in, registers a passkey and
//! signs in with it. No build step, no CDN.
//!
//! Headers beyond those [`crate::api::finish`] gives every answer: the page's own
//! `Content-Security-Policy` ([`page_csp`]: its own script and style only, no inline code, images
//! from this origin and from the S3 endpoint the presigned material URLs point to, never framed,
//! no form submission), `Cache-Control: no-cache` with an `ETag` (the files are small and not
//! content-hashed: the browser revalidates, and a `304` answers an unchanged file).

use crate::api::{ApiError, ApiResult, ROUTE_NOT_FOUND};
use crate::extract::FromRequest;
use crate::state::StaffIdentity;
use crate::AppState;
use http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use std::sync::OnceLock;

/// Where the dashboard lives (its routes: `GET /review`, `GET /review/{file+}`).
pub const PREFIX: &str = "/review";
/// Where the console's passkey page lives (`GET /console`, `GET /console/{file+}`).
pub const CONSOLE_PREFIX: &str = "/console";

/// A file of the page.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    etag: &'static str,
}

macro_rules! asset {
    ($dir:literal, $name:literal, $content_type:literal) => {{
        const BODY: &str = include_str!(concat!("../assets/", $dir, "/", $name));
        const HASH: [u8; 18] = etag(BODY.as_bytes());
        Asset {
            name: $name,
            content_type: $content_type,
            body: BODY,
            etag: match std::str::from_utf8(&HASH) {
                Ok(tag) => tag,
                Err(_) => "\"0\"",
            },
        }
    }};
}

const ASSETS: [Asset; 4] = [
    asset!("review", "index.html", "text/html; charset=utf-8"),
    asset!("review", "app.js", "text/javascript; charset=utf-8"),
    asset!("review", "app.css", "text/css; charset=utf-8"),
    asset!("review", "favicon.svg", "image/svg+xml"),
];

const CONSOLE_ASSETS: [Asset; 3] = [
    asset!("console", "index.html", "text/html; charset=utf-8"),
    asset!("console", "console.js", "text/javascript; charset=utf-8"),
    asset!("console", "console.css", "text/css; charset=utf-8"),
];

/// A site: where it lives, its files and its page's policy.
struct Site {
    prefix: &'static str,
    assets: &'static [Asset],
    csp: String,
}

/// The dashboard's sign-in configuration (`GET /review/sign-in.json`): `{"by": "pool"}` (the
/// staff session routes: password, then the authenticator), or `{"by": "issuer", "issuer",
/// "client_id", "username_claim", "roles_claim"}` (an OpenID Connect issuer: the page signs in
/// there with an authorization code and PKCE).
const SIGN_IN_FILE: &str = "sign-in.json";

/// A strong `ETag` (`"<16 hex digits>"`): the FNV-1a hash of the file, computed at compile time.
#[allow(clippy::cast_possible_truncation, reason = "a nibble (masked to 4 bits) indexes the hex digits")]
const fn etag(bytes: &[u8]) -> [u8; 18] {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'"'; 18];
    let mut d = 0;
    while d < 16 {
        out[1 + d] = HEX[((hash >> (60 - 4 * d)) & 0xf) as usize];
        d += 1;
    }
    out
}

/// What the dashboard's handler takes from the request: the path and `If-None-Match`.
#[derive(Debug)]
pub struct PageRequest {
    path: String,
    if_none_match: Option<String>,
}

impl FromRequest for PageRequest {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        Ok(PageRequest {
            path: req.uri().path().to_owned(),
            if_none_match: req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned),
        })
    }
}

/// `GET /review` (redirects to `/review/`), `GET /review/` and `GET /review/{file}`.
pub async fn handle(state: &AppState, page: PageRequest) -> ApiResult {
    if page.path.strip_prefix(PREFIX).map(|rest| rest.trim_start_matches('/')) == Some(SIGN_IN_FILE) {
        return Ok(sign_in_configuration(&state.staff_identity));
    }
    let csp = page_csp(&state.staff_identity);
    serve(&Site { prefix: PREFIX, assets: &ASSETS, csp }, &page)
}

/// [`SIGN_IN_FILE`]'s answer.
#[derive(serde::Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
enum SignInConfiguration<'a> {
    Pool,
    Issuer { issuer: &'a str, client_id: &'a str, username_claim: &'a str, roles_claim: &'a str },
}

fn sign_in_configuration(identity: &StaffIdentity) -> Response<Body> {
    let body = match identity {
        StaffIdentity::Pool => SignInConfiguration::Pool,
        StaffIdentity::Issuer { issuer, client_id } => SignInConfiguration::Issuer {
            issuer: &issuer.url,
            client_id,
            username_claim: &issuer.username_claim,
            roles_claim: &issuer.roles_claim,
        },
    };
    let text = serde_json::to_string(&body).unwrap_or_default();
    let mut response = Response::new(Body::Text(text));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /console` (redirects to `/console/`), `GET /console/` and `GET /console/{file}`.
pub async fn console(_state: &AppState, page: PageRequest) -> ApiResult {
    serve(&Site { prefix: CONSOLE_PREFIX, assets: &CONSOLE_ASSETS, csp: console_csp().to_owned() }, &page)
}

/// The console page's policy: its own script, style and API calls only.
fn console_csp() -> &'static str {
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

fn serve(site: &Site, page: &PageRequest) -> ApiResult {
    let not_found = |name: &str| ApiError::edge(ROUTE_NOT_FOUND, format!("this page has no file {name}"));
    let rest = page.path.strip_prefix(site.prefix).ok_or_else(|| not_found(&page.path))?;
    let name = match rest {
        "" => return Ok(redirect(site.prefix)),
        "/" => "index.html",
        other => other.trim_start_matches('/'),
    };
    let asset = site.assets.iter().find(|a| a.name == name).ok_or_else(|| not_found(name))?;
    let mut response = if page.if_none_match.as_deref().is_some_and(|tags| matches_etag(tags, asset.etag)) {
        let mut r = Response::new(Body::Empty);
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::Text(asset.body.to_owned()));
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        r
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if asset.name == "index.html" {
        if let Ok(csp) = HeaderValue::from_str(&site.csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    Ok(response)
}

/// To the site's page (`<prefix>/`).
fn redirect(prefix: &str) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
    if let Ok(to) = HeaderValue::from_str(&format!("{prefix}/")) {
        response.headers_mut().insert(header::LOCATION, to);
    }
    response
}

fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// The page's `Content-Security-Policy`: the material's origins read once per cold start from the
/// SDK's configuration; with an OpenID Connect issuer, its origin may be called too (its discovery
/// document and token endpoint).
pub fn page_csp(identity: &StaffIdentity) -> String {
    static IMAGES: OnceLock<String> = OnceLock::new();
    let images = IMAGES.get_or_init(|| material_origins(|k| std::env::var(k).ok()));
    let issuer = match identity {
        StaffIdentity::Issuer { issuer, .. } => origin_of(&issuer.url),
        StaffIdentity::Pool => None,
    };
    csp_with(images, issuer.as_deref())
}

/// Only the page's own script, style and API calls (and `issuer_origin`'s); images from itself,
/// `data:` (the QR code of a new staff user's authenticator, which the API answers as an SVG data
/// URI) and `image_origins` (the presigned S3 URLs of the case material); no inline code,
/// plugins, frames, base or forms.
pub fn csp_with(image_origins: &str, issuer_origin: Option<&str>) -> String {
    let connect = issuer_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: {image_origins}; \
         connect-src 'self'{connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// Where the presigned material URLs point: the S3 endpoint the SDK is configured with
/// (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`: locally the emulator, `http://127.0.0.1:<port>`),
/// or else AWS's S3 endpoints of the function's region (path-style and virtual-hosted).
pub fn material_origins(get: impl Fn(&str) -> Option<String>) -> String {
    let set = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(endpoint) = set("AWS_ENDPOINT_URL_S3").or_else(|| set("AWS_ENDPOINT_URL")) {
        if let Some(origin) = origin_of(&endpoint) {
            return origin;
        }
    }
    match set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION")) {
        Some(r) if r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') => {
            let d = shared::config::dns_suffix(&r);
            format!("https://s3.{r}.{d} https://*.s3.{r}.{d}")
        }
        _ => "https://*.amazonaws.com".to_owned(),
    }
}

/// `scheme://host[:port]` of a URL, if it is a plain http(s) URL (nothing that could add a
/// directive to the policy).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let ok = matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && authority.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn images_come_from_the_configured_s3_endpoint_or_aws() {
        assert_eq!(material_origins(env(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")])), "http://127.0.0.1:4566");
        assert_eq!(
            material_origins(env(&[("AWS_ENDPOINT_URL", "http://x:1"), ("AWS_ENDPOINT_URL_S3", "https://S3.local/p")])),
            "https://s3.local"
        );
        assert_eq!(
            material_origins(env(&[("AWS_REGION", "us-east-1")])),
            "https://s3.us-east-1.amazonaws.com https://*.s3.us-east-1.amazonaws.com"
        );
        assert_eq!(
            material_origins(env(&[("AWS_REGION", "cn-northwest-1")])),
            "https://s3.cn-northwest-1.amazonaws.com.cn https://*.s3.cn-northwest-1.amazonaws.com.cn"
        );
        assert_eq!(material_origins(env(&[])), "https://*.amazonaws.com");
        // Nothing that could smuggle a directive into the policy.
        assert_eq!(
            material_origins(env(&[("AWS_ENDPOINT_URL", "http://a; script-src *"), ("AWS_REGION", "x; y")])),
            "https://*.amazonaws.com"
        );
    }

    #[test]
    fn the_policy_allows_no_inline_code() {
        let csp = csp_with("http://127.0.0.1:4566", None);
        assert!(csp.contains("script-src 'self';") && csp.contains("style-src 'self';"));
        assert!(!csp.contains("unsafe"));
        assert!(csp.contains("img-src 'self' data: http://127.0.0.1:4566;"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("connect-src 'self';"));
        let with_issuer = csp_with("x", Some("https://id.example.cn"));
        assert!(with_issuer.contains("connect-src 'self' https://id.example.cn;"));
    }

    #[test]
    fn every_file_has_a_distinct_etag_and_the_page_no_inline_code() {
        for a in &ASSETS {
            assert_eq!(a.etag.len(), 18, "{}", a.name);
            assert!(a.etag.starts_with('"') && a.etag.ends_with('"'));
        }
        assert_ne!(ASSETS[0].etag, ASSETS[1].etag);
        let html = ASSETS[0].body;
        assert!(!html.contains("<script>") && !html.contains("<style") && !html.contains("style="), "inline code");
        assert!(!html.split_whitespace().any(|w| w.starts_with("on") && w.contains('=')), "inline handlers");
        assert!(matches_etag(&format!("W/{}, \"x\"", ASSETS[1].etag), ASSETS[1].etag));
        assert!(!matches_etag("\"x\"", ASSETS[1].etag));
    }
}
