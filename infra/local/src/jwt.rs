//! The staff routes' JWT authorizer, as API Gateway's HTTP API applies it: the bearer token must be
//! an RS256 JWT signed by a key of the issuer's JWKS (the staff user pool's, or the OpenID Connect
//! issuer's from its discovery document), from that issuer, for the dashboard's client (`aud` or
//! `client_id`), not expired; its claims reach the handler in
//! `requestContext.authorizer.jwt.claims` as strings (arrays as `[a b]`, as API Gateway renders
//! them). Anything else: `401`.

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use shared::config::StaffPool;
use tokio::sync::OnceCell;

pub struct StaffJwt {
    /// The tokens' `iss`, exactly.
    issuer: String,
    /// The dashboard's client: the tokens' `aud` or `client_id`.
    audience: String,
    keys_at: KeysAt,
    keys: OnceCell<Vec<(String, DecodingKey)>>,
}

/// Where the issuer's keys are.
enum KeysAt {
    Jwks(String),
    /// The `jwks_uri` of the issuer's discovery document.
    Discovery,
}

impl StaffJwt {
    /// The staff user pool's tokens: issuer `https://cognito-idp.<region>.amazonaws.com/<pool id>`
    /// (the pool id starts with its region), as the template's JwtConfiguration names it; the
    /// emulator serves the JWKS at the pool's path.
    pub fn new(pool: StaffPool) -> Self {
        let region = pool.user_pool_id.split('_').next().unwrap_or_default();
        StaffJwt {
            issuer: format!("https://cognito-idp.{region}.amazonaws.com/{}", pool.user_pool_id),
            audience: pool.client_id.clone(),
            keys_at: KeysAt::Jwks(format!("{}{}/.well-known/jwks.json", pool.endpoint, pool.user_pool_id)),
            keys: OnceCell::new(),
        }
    }

    /// An OpenID Connect issuer's tokens for `audience`.
    pub fn for_issuer(issuer: &str, audience: &str) -> Self {
        StaffJwt {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            keys_at: KeysAt::Discovery,
            keys: OnceCell::new(),
        }
    }

    async fn jwks_url(&self) -> Option<String> {
        match &self.keys_at {
            KeysAt::Jwks(url) => Some(url.clone()),
            KeysAt::Discovery => {
                let url = format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'));
                let discovery: Value = reqwest::get(&url).await.ok()?.json().await.ok()?;
                discovery["jwks_uri"].as_str().map(str::to_owned)
            }
        }
    }

    /// The issuer's signing keys, fetched once.
    async fn keys(&self) -> &[(String, DecodingKey)] {
        self.keys
            .get_or_init(|| async {
                let Some(url) = self.jwks_url().await else {
                    tracing::error!("the staff issuer's discovery document is unreachable");
                    return vec![];
                };
                let jwks: Value = match reqwest::get(&url).await {
                    Ok(r) => r.json().await.unwrap_or_default(),
                    Err(e) => {
                        tracing::error!(error = %e, "the staff pool's JWKS is unreachable");
                        Value::Null
                    }
                };
                jwks["keys"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|k| {
                        let key = DecodingKey::from_rsa_components(k["n"].as_str()?, k["e"].as_str()?).ok()?;
                        Some((k["kid"].as_str().unwrap_or_default().to_owned(), key))
                    })
                    .collect()
            })
            .await
    }

    /// The claims of a valid token (`Authorization: Bearer <jwt>`), as API Gateway passes them.
    pub async fn claims(&self, authorization: &str) -> Option<Map<String, Value>> {
        let token = authorization.strip_prefix("Bearer ").unwrap_or(authorization).trim();
        let header = decode_header(token).ok()?;
        let kid = header.kid.unwrap_or_default();
        let (_, key) = self.keys().await.iter().find(|(k, _)| *k == kid)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.validate_nbf = true;
        let data = decode::<Map<String, Value>>(token, key, &validation).ok()?;
        let claims = data.claims;
        let issuer_ok = claims.get("iss").and_then(Value::as_str) == Some(self.issuer.as_str());
        // As API Gateway: `aud` (a string or a list) if present, else `client_id`.
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => *aud == self.audience,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(self.audience.as_str())),
            Some(_) => false,
            None => claims.get("client_id").and_then(Value::as_str) == Some(self.audience.as_str()),
        };
        if !issuer_ok || !audience_ok {
            return None;
        }
        Some(
            claims
                .into_iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s,
                        Value::Array(items) => format!(
                            "[{}]",
                            items
                                .iter()
                                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        other => other.to_string(),
                    };
                    (k, Value::String(text))
                })
                .collect(),
        )
    }
}
