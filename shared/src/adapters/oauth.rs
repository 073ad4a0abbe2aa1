//! Third-party identity providers [LOGIN-2]: one OAuth 2.0 client (RFC 6749 authorization-code
//! grant, RFC 7636 PKCE where the provider takes it) parameterised per provider, and the sandbox
//! provider that speaks the same HTTP protocol, served locally by the gateway under
//! `/sandbox/oauth/{provider}/...` (the client talks to it over HTTP exactly as to a real one).
//!
//! Sandbox behaviour (documented in the README):
//! - `GET .../authorize?response_type=code&client_id&redirect_uri&state[&code_challenge&code_challenge_method=S256]&user=<name>`
//!   redirects (`302`) to `redirect_uri?code=<code>&state=<state>` for the sandbox user `<name>`
//!   (letters, digits, `_`, `-`; any name is a user); `user=deny` redirects with
//!   `error=access_denied`; without `user` a small form asks for it.
//! - `POST .../token` (form: `grant_type=authorization_code`, `code`, `redirect_uri`, `client_id`,
//!   `client_secret`, `code_verifier`) answers `{"access_token", "token_type": "Bearer",
//!   "expires_in": 7200}` once per code, within 10 minutes, for the same client and redirect URI and
//!   the verifier of the challenge; anything else `400 {"error": "invalid_grant"}` (a wrong client:
//!   `401 {"error": "invalid_client"}`). A code given twice is refused and its token revoked.
//!   The user `down` makes the token endpoint answer `503` (provider unavailable).
//! - `GET .../userinfo` with `Authorization: Bearer <token>` answers `{"id": "sbx_<name>"}`.

use super::http_client::{HttpClient, Outgoing};
use crate::domain::redacted::Redacted;
use crate::domain::third_party::{pkce_challenge, ThirdParty};
use crate::error::{Error, Result};
use crate::ports::{Clock, Exchanged, IdentityProvider};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use http::{Method, StatusCode};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// A provider's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub userinfo: String,
    pub pkce: bool,
}

impl Endpoints {
    /// The provider's production endpoints. None of the three takes PKCE today (the flow still
    /// has its state, single use and bound to the browser).
    pub fn production(provider: ThirdParty) -> Endpoints {
        let (authorize, token, userinfo) = match provider {
            ThirdParty::Wechat => (
                "https://open.weixin.qq.com/connect/qrconnect",
                "https://api.weixin.qq.com/sns/oauth2/access_token",
                "https://api.weixin.qq.com/sns/userinfo",
            ),
            ThirdParty::Qq => (
                "https://graph.qq.com/oauth2.0/authorize",
                "https://graph.qq.com/oauth2.0/token",
                "https://graph.qq.com/oauth2.0/me",
            ),
            ThirdParty::Weibo => (
                "https://api.weibo.com/oauth2/authorize",
                "https://api.weibo.com/oauth2/access_token",
                "https://api.weibo.com/oauth2/get_token_info",
            ),
        };
        Endpoints { authorize: authorize.into(), token: token.into(), userinfo: userinfo.into(), pkce: false }
    }

    /// The sandbox provider under `base` (`http://127.0.0.1:3000/sandbox/oauth`), with PKCE.
    pub fn sandbox(base: &str, provider: ThirdParty) -> Endpoints {
        let root = format!("{}/{provider}", base.trim_end_matches('/'));
        Endpoints {
            authorize: format!("{root}/authorize"),
            token: format!("{root}/token"),
            userinfo: format!("{root}/userinfo"),
            pkce: true,
        }
    }
}

/// The OAuth 2.0 client of one provider.
pub struct HttpIdentityProvider {
    client: HttpClient,
    endpoints: Endpoints,
    client_id: String,
    client_secret: Redacted<String>,
}

impl HttpIdentityProvider {
    pub fn new(endpoints: Endpoints, client_id: String, client_secret: String) -> Self {
        HttpIdentityProvider {
            client: HttpClient::new(),
            endpoints,
            client_id,
            client_secret: Redacted::new(client_secret),
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

fn unavailable(e: impl Into<crate::error::Cause>) -> Error {
    Error::ProviderUnavailable(e.into())
}

#[async_trait]
impl IdentityProvider for HttpIdentityProvider {
    fn supports_pkce(&self) -> bool {
        self.endpoints.pkce
    }

    fn authorize_url(&self, state: &str, code_challenge: Option<&str>, redirect_uri: &str) -> String {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("state", state),
        ];
        if let Some(challenge) = code_challenge.filter(|_| self.endpoints.pkce) {
            params.extend([("code_challenge", challenge), ("code_challenge_method", "S256")]);
        }
        match Url::parse_with_params(&self.endpoints.authorize, &params) {
            Ok(url) => url.to_string(),
            Err(_) => self.endpoints.authorize.clone(),
        }
    }

    async fn exchange(&self, code: &str, verifier: Option<&str>, redirect_uri: &str) -> Result<Exchanged> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose().as_str()),
        ];
        if let Some(verifier) = verifier.filter(|_| self.endpoints.pkce) {
            form.push(("code_verifier", verifier));
        }
        let request = Outgoing::new(Method::POST, &self.endpoints.token).form(&form);
        let answer = self.client.send(request).await.map_err(unavailable)?;
        if answer.status == StatusCode::BAD_REQUEST || answer.status == StatusCode::UNAUTHORIZED {
            return Ok(Exchanged::Rejected);
        }
        let answer: TokenAnswer = answer.success().and_then(|a| a.json()).map_err(unavailable)?;
        Ok(Exchanged::Token(Redacted::new(answer.access_token)))
    }

    async fn user_id(&self, access_token: &Redacted<String>) -> Result<String> {
        let request = Outgoing::new(Method::GET, &self.endpoints.userinfo).bearer(access_token.expose());
        let answer = self.client.send(request).await.map_err(unavailable)?;
        let answer: serde_json::Value = answer.success().and_then(|a| a.json()).map_err(unavailable)?;
        let id = ["id", "openid", "uid"].iter().find_map(|field| match &answer[*field] {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        id.ok_or_else(|| Error::ProviderUnavailable("the provider's user info has no user id".into()))
    }
}

/// The sandbox client's credentials (the sandbox checks them as a provider would).
pub fn sandbox_client_id(provider: ThirdParty) -> String {
    format!("sandbox-{provider}")
}

/// A sandbox code lives this long.
const CODE_TTL: Duration = Duration::minutes(10);

struct IssuedCode {
    provider: ThirdParty,
    user: String,
    redirect_uri: String,
    challenge: Option<String>,
    issued_at: DateTime<Utc>,
    /// The token it was exchanged for (revoked if the code comes again).
    token: Option<String>,
}

/// What the sandbox provider answers (the local server turns it into HTTP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxAnswer {
    /// `302` to this location.
    Redirect(String),
    /// A JSON body with a status.
    Json(u16, serde_json::Value),
    /// The sign-in form (HTML).
    Form(String),
}

/// The sandbox identity provider's own side: codes and tokens it issued, in memory.
pub struct SandboxOAuth {
    client_secret: String,
    clock: Arc<dyn Clock>,
    codes: Mutex<HashMap<String, IssuedCode>>,
    tokens: Mutex<HashMap<String, (ThirdParty, String)>>,
}

fn json_error(status: u16, error: &str) -> SandboxAnswer {
    SandboxAnswer::Json(status, serde_json::json!({ "error": error }))
}

fn valid_user(user: &str) -> bool {
    !user.is_empty() && user.len() <= 64 && user.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl SandboxOAuth {
    pub fn new(client_secret: String, clock: Arc<dyn Clock>) -> Self {
        SandboxOAuth { client_secret, clock, codes: Mutex::default(), tokens: Mutex::default() }
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    /// `GET /sandbox/oauth/{provider}/authorize?...`
    pub fn authorize(&self, provider: ThirdParty, params: &HashMap<String, String>) -> SandboxAnswer {
        let param = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
        if param("response_type") != "code" || param("client_id") != sandbox_client_id(provider) {
            return json_error(400, "unauthorized_client");
        }
        let Ok(mut back) = Url::parse(param("redirect_uri")) else {
            return json_error(400, "invalid_request");
        };
        let challenge = params.get("code_challenge").cloned();
        if challenge.is_some() && param("code_challenge_method") != "S256" {
            return json_error(400, "invalid_request");
        }
        let user = param("user");
        if user.is_empty() {
            return SandboxAnswer::Form(sign_in_form(provider, params));
        }
        if user == "deny" {
            back.query_pairs_mut().append_pair("error", "access_denied").append_pair("state", param("state"));
            return SandboxAnswer::Redirect(back.to_string());
        }
        if !valid_user(user) {
            return json_error(400, "invalid_request");
        }
        let code = crate::domain::ids::new_opaque_id();
        let issued = IssuedCode {
            provider,
            user: user.to_owned(),
            redirect_uri: param("redirect_uri").to_owned(),
            challenge,
            issued_at: self.clock.now(),
            token: None,
        };
        if let Ok(mut codes) = self.codes.lock() {
            codes.insert(code.clone(), issued);
        }
        back.query_pairs_mut().append_pair("code", &code).append_pair("state", param("state"));
        SandboxAnswer::Redirect(back.to_string())
    }

    /// `POST /sandbox/oauth/{provider}/token` with the form's fields.
    pub fn token(&self, provider: ThirdParty, form: &HashMap<String, String>) -> SandboxAnswer {
        use subtle::ConstantTimeEq;
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
        let secret_ok = bool::from(field("client_secret").as_bytes().ct_eq(self.client_secret.as_bytes()));
        if field("client_id") != sandbox_client_id(provider) || !secret_ok {
            return json_error(401, "invalid_client");
        }
        if field("grant_type") != "authorization_code" {
            return json_error(400, "unsupported_grant_type");
        }
        let Ok(mut codes) = self.codes.lock() else { return json_error(500, "server_error") };
        let Some(issued) = codes.get_mut(field("code")) else { return json_error(400, "invalid_grant") };
        if let Some(token) = &issued.token {
            // A code given twice: refused, and the token it gave is revoked (RFC 6749 4.1.2).
            if let Ok(mut tokens) = self.tokens.lock() {
                tokens.remove(token);
            }
            return json_error(400, "invalid_grant");
        }
        let pkce_ok = match (&issued.challenge, form.get("code_verifier")) {
            (Some(challenge), Some(verifier)) => pkce_challenge(verifier) == *challenge,
            (None, _) => true,
            (Some(_), None) => false,
        };
        if issued.provider != provider
            || issued.redirect_uri != field("redirect_uri")
            || !pkce_ok
            || self.clock.now() >= issued.issued_at + CODE_TTL
        {
            return json_error(400, "invalid_grant");
        }
        if issued.user == "down" {
            return json_error(503, "temporarily_unavailable");
        }
        let token = crate::domain::ids::new_opaque_id();
        issued.token = Some(token.clone());
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(token.clone(), (provider, issued.user.clone()));
        }
        SandboxAnswer::Json(
            200,
            serde_json::json!({ "access_token": token, "token_type": "Bearer", "expires_in": 7200 }),
        )
    }

    /// `GET /sandbox/oauth/{provider}/userinfo` with the bearer token.
    pub fn userinfo(&self, provider: ThirdParty, bearer: Option<&str>) -> SandboxAnswer {
        let user = bearer.and_then(|t| {
            self.tokens.lock().ok().and_then(|tokens| tokens.get(t).filter(|(p, _)| *p == provider).cloned())
        });
        match user {
            Some((_, user)) => SandboxAnswer::Json(200, serde_json::json!({ "id": format!("sbx_{user}") })),
            None => json_error(401, "invalid_token"),
        }
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The sandbox's consent page: a name field, the request's other parameters kept.
fn sign_in_form(provider: ThirdParty, params: &HashMap<String, String>) -> String {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| k.as_str() != "user")
        .map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, html_escape(k), html_escape(v)))
        .collect();
    format!(
        "<!doctype html><title>Sandbox {provider}</title><form method=\"get\">{hidden}<label>Sandbox {provider} user \
         <input name=\"user\" value=\"alice\"></label> <button>Consent</button></form>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::clock::TestClock;

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_sandbox_gives_a_token_once_per_code_for_the_right_verifier() {
        let clock = Arc::new(TestClock::starting_at(Utc::now()));
        let sandbox = SandboxOAuth::new("s3cret".into(), clock.clone());
        let p = ThirdParty::Qq;
        let challenge = pkce_challenge("verifier-1");
        let SandboxAnswer::Redirect(location) = sandbox.authorize(
            p,
            &params(&[
                ("response_type", "code"),
                ("client_id", "sandbox-qq"),
                ("redirect_uri", "http://localhost/cb"),
                ("state", "st"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
                ("user", "alice"),
            ]),
        ) else {
            panic!("a redirect")
        };
        let url = Url::parse(&location).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["state"], "st");
        let form = |verifier: &str| {
            params(&[
                ("grant_type", "authorization_code"),
                ("code", &q["code"]),
                ("redirect_uri", "http://localhost/cb"),
                ("client_id", "sandbox-qq"),
                ("client_secret", "s3cret"),
                ("code_verifier", verifier),
            ])
        };
        assert_eq!(sandbox.token(p, &form("wrong")), json_error(400, "invalid_grant"));
        let SandboxAnswer::Json(200, body) = sandbox.token(p, &form("verifier-1")) else { panic!("a token") };
        let token = body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(sandbox.userinfo(p, Some(&token)), SandboxAnswer::Json(200, serde_json::json!({"id": "sbx_alice"})));
        assert_eq!(sandbox.userinfo(ThirdParty::Weibo, Some(&token)), json_error(401, "invalid_token"));
        // Replayed: refused, and the token is revoked.
        assert_eq!(sandbox.token(p, &form("verifier-1")), json_error(400, "invalid_grant"));
        assert_eq!(sandbox.userinfo(p, Some(&token)), json_error(401, "invalid_token"));
        let mut bad_client = form("verifier-1");
        bad_client.insert("client_secret".into(), "nope".into());
        assert_eq!(sandbox.token(p, &bad_client), json_error(401, "invalid_client"));
    }
}
