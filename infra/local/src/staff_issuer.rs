//! The sandbox OpenID Connect issuer of the staff (never deployed): what the dashboard signs in
//! with where the stack has no staff pool (the China regions' `StaffOidcIssuer`), run locally by
//! `STAFF_SIGN_IN=issuer make run` and the tests. It behaves as an identity provider the
//! dashboard may be pointed at in production does, for a public client:
//!
//! - `GET /sandbox/oidc/.well-known/openid-configuration`: its endpoints;
//! - `GET /sandbox/oidc/jwks`: its RSA public key (API Gateway's JWT authorizers take RSA keys);
//! - `GET /sandbox/oidc/authorize?response_type=code&client_id&redirect_uri&state&code_challenge&
//!   code_challenge_method=S256`: its sign-in page (a link per sandbox staff user; `&user=<name>`
//!   signs in as that user) redirecting to `redirect_uri` with a single-use code (5 minutes). A
//!   request without an S256 code challenge, for another client or to a redirect URI that is not
//!   a loopback dashboard (`http://127.0.0.1:<port>/review/`, `localhost`) is refused;
//! - `POST /sandbox/oidc/token` (form: `grant_type=authorization_code`, `code`, `redirect_uri`,
//!   `client_id`, `code_verifier`): the access token (RS256, `iss`, `aud` = the client, `sub`,
//!   `preferred_username`, `groups`, `scope`, one hour) once the verifier's SHA-256 is the challenge;
//!   `invalid_grant` otherwise (the code is spent either way).
//!
//! Its users are the staff the sandbox makes (`POST /sandbox/staff` with the gateway on this
//! issuer). Its signing key is a fixed sandbox key (`infra/local/sandbox/staff-issuer-key.pem`,
//! public in this repository, so trusted by nothing but the local gateway).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const KEY_PEM: &str = include_str!("../sandbox/staff-issuer-key.pem");
const JWK: &str = include_str!("../sandbox/staff-issuer-jwk.json");
/// Where it lives on the local server.
pub const PATH: &str = "/sandbox/oidc";
const CODE_LIFETIME: Duration = Duration::from_secs(300);
const TOKEN_LIFETIME_SECS: u64 = 3600;

struct Grant {
    username: String,
    client_id: String,
    redirect_uri: String,
    challenge: String,
    issued: Instant,
}

pub struct SandboxIssuer {
    /// `http://127.0.0.1:<port>/sandbox/oidc`
    url: String,
    client_id: String,
    users: Mutex<HashMap<String, Vec<String>>>,
    grants: Mutex<HashMap<String, Grant>>,
}

fn reply(status: http::StatusCode, content_type: &'static str, body: String) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    // A single-page client on another origin reads the discovery, keys and tokens.
    headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, http::HeaderValue::from_static("*"));
    headers.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    response
}

fn json_reply(status: http::StatusCode, body: Value) -> http::Response<Bytes> {
    reply(status, "application/json", body.to_string())
}

fn oauth_error(error: &str, description: &str) -> http::Response<Bytes> {
    json_reply(http::StatusCode::BAD_REQUEST, json!({ "error": error, "error_description": description }))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn pairs(text: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://sandbox.invalid/?{text}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// A dashboard served by the local server: `http://127.0.0.1:<port>/review/` or `localhost`.
fn loopback_dashboard(uri: &str) -> bool {
    reqwest::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http"
            && matches!(u.host_str(), Some("127.0.0.1" | "localhost"))
            && u.path() == "/review/"
            && u.query().is_none()
            && u.fragment().is_none()
    })
}

impl SandboxIssuer {
    /// The issuer served at `base_url` (the local server's), for the dashboard's `client_id`.
    pub fn new(base_url: &str, client_id: &str) -> Self {
        SandboxIssuer {
            url: format!("{}{PATH}", base_url.trim_end_matches('/')),
            client_id: client_id.to_owned(),
            users: Mutex::default(),
            grants: Mutex::default(),
        }
    }

    /// Its URL (the tokens' `iss`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The dashboard's client id (the tokens' `aud`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A staff user who can sign in here, with their roles (`reviewer`, `lead`).
    pub fn add_user(&self, username: &str, groups: &[String]) {
        self.users.lock().expect("users").insert(username.to_owned(), groups.to_vec());
    }

    /// The public key (JWKS), as its `jwks_uri` serves it.
    pub fn jwks() -> Value {
        let mut key: Value = serde_json::from_str(JWK).expect("the sandbox issuer's JWK");
        key["kty"] = json!("RSA");
        key["alg"] = json!("RS256");
        key["use"] = json!("sig");
        json!({ "keys": [key] })
    }

    pub fn handle(&self, request: &http::Request<Bytes>) -> http::Response<Bytes> {
        let path = request.uri().path().strip_prefix(PATH).unwrap_or_default();
        match (request.method().as_str(), path) {
            ("GET", "/.well-known/openid-configuration") => json_reply(
                http::StatusCode::OK,
                json!({
                    "issuer": self.url,
                    "authorization_endpoint": format!("{}/authorize", self.url),
                    "token_endpoint": format!("{}/token", self.url),
                    "jwks_uri": format!("{}/jwks", self.url),
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code"],
                    "code_challenge_methods_supported": ["S256"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["none"],
                }),
            ),
            ("GET", "/jwks") => json_reply(http::StatusCode::OK, Self::jwks()),
            ("GET", "/authorize") => self.authorize(&pairs(request.uri().query().unwrap_or_default())),
            ("POST", "/token") => self.token(&pairs(&String::from_utf8_lossy(request.body()))),
            _ => json_reply(http::StatusCode::NOT_FOUND, json!({ "error": "not_found" })),
        }
    }

    fn authorize(&self, query: &HashMap<String, String>) -> http::Response<Bytes> {
        let get = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
        let redirect_uri = get("redirect_uri");
        if get("client_id") != self.client_id || !loopback_dashboard(redirect_uri) {
            // Never redirect to a URI the client did not register.
            return oauth_error("invalid_request", "unknown client or redirect URI");
        }
        let back = |params: &[(&str, &str)]| {
            let mut to = reqwest::Url::parse(redirect_uri).expect("checked above");
            to.query_pairs_mut().extend_pairs(params.iter().copied()).append_pair("state", get("state"));
            let mut response = http::Response::new(Bytes::new());
            *response.status_mut() = http::StatusCode::FOUND;
            if let Ok(value) = http::HeaderValue::from_str(to.as_str()) {
                response.headers_mut().insert(http::header::LOCATION, value);
            }
            response
        };
        if get("response_type") != "code" {
            return back(&[("error", "unsupported_response_type")]);
        }
        if get("code_challenge_method") != "S256" || get("code_challenge").len() != 43 {
            return back(&[("error", "invalid_request"), ("error_description", "PKCE (S256) is required")]);
        }
        let Some(username) = query.get("user") else {
            return self.sign_in_page(query);
        };
        if !self.users.lock().expect("users").contains_key(username) {
            return back(&[("error", "access_denied")]);
        }
        let code = B64URL.encode(rand::random::<[u8; 24]>());
        self.grants.lock().expect("grants").insert(
            code.clone(),
            Grant {
                username: username.clone(),
                client_id: self.client_id.clone(),
                redirect_uri: redirect_uri.to_owned(),
                challenge: get("code_challenge").to_owned(),
                issued: Instant::now(),
            },
        );
        back(&[("code", &code)])
    }

    /// The sign-in page: a link per user (no script, no form).
    fn sign_in_page(&self, query: &HashMap<String, String>) -> http::Response<Bytes> {
        let mut users: Vec<(String, Vec<String>)> =
            self.users.lock().expect("users").iter().map(|(u, g)| (u.clone(), g.clone())).collect();
        users.sort();
        let links: String = users
            .iter()
            .map(|(user, groups)| {
                let mut url = reqwest::Url::parse(&format!("{}/authorize", self.url)).expect("issuer URL");
                url.query_pairs_mut().extend_pairs(query.iter()).append_pair("user", user);
                format!(
                    "<li><a href=\"{}\" data-user=\"{}\">Sign in as {} ({})</a></li>",
                    html_escape(url.as_str()),
                    html_escape(user),
                    html_escape(user),
                    html_escape(&groups.join(", "))
                )
            })
            .collect();
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox identity provider</title></head>\
             <body><h1>Sandbox identity provider</h1><p>Staff sign-in for the account centre's dashboard.</p>\
             <ul id=\"users\">{links}</ul></body></html>"
        );
        reply(http::StatusCode::OK, "text/html; charset=utf-8", page)
    }

    fn token(&self, form: &HashMap<String, String>) -> http::Response<Bytes> {
        let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
        if get("grant_type") != "authorization_code" {
            return oauth_error("unsupported_grant_type", "authorization_code only");
        }
        // Spent by any try: a code is single-use.
        let Some(grant) = self.grants.lock().expect("grants").remove(get("code")) else {
            return oauth_error("invalid_grant", "unknown or spent code");
        };
        let verifier_hash = B64URL.encode(Sha256::digest(get("code_verifier").as_bytes()));
        if grant.issued.elapsed() > CODE_LIFETIME
            || grant.client_id != get("client_id")
            || grant.redirect_uri != get("redirect_uri")
            || !(43..=128).contains(&get("code_verifier").len())
            || verifier_hash != grant.challenge
        {
            return oauth_error("invalid_grant", "the code, client, redirect URI or code verifier does not match");
        }
        let groups = self.users.lock().expect("users").get(&grant.username).cloned().unwrap_or_default();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        let claims = json!({
            "iss": self.url,
            "aud": self.client_id,
            "sub": format!("sandbox-{}", grant.username),
            "preferred_username": grant.username,
            "groups": groups,
            "scope": "openid profile",
            "client_id": self.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECS,
        });
        let key: Value = serde_json::from_str(JWK).expect("the sandbox issuer's JWK");
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = key["kid"].as_str().map(str::to_owned);
        let signing = jsonwebtoken::EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).expect("the sandbox issuer's key");
        match jsonwebtoken::encode(&header, &claims, &signing) {
            Ok(token) => json_reply(
                http::StatusCode::OK,
                json!({ "access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECS }),
            ),
            Err(e) => json_reply(http::StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": e.to_string() })),
        }
    }
}
