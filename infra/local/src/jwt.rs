//! The staff routes' JWT authorizer, as API Gateway's HTTP API applies it: the bearer token must be
//! an RS256 JWT signed by a key of the staff user pool's JWKS, from its issuer, for the dashboard's
//! app client, not expired; its claims reach the handler in `requestContext.authorizer.jwt.claims`
//! as strings (arrays as `[a b]`, as API Gateway renders them). Anything else: `401`.

use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use shared::config::StaffPool;
use tokio::sync::OnceCell;

pub struct StaffJwt {
    pool: StaffPool,
    keys: OnceCell<Vec<(String, DecodingKey)>>,
}

impl StaffJwt {
    pub fn new(pool: StaffPool) -> Self {
        StaffJwt { pool, keys: OnceCell::new() }
    }

    /// The pool's signing keys, fetched once (the emulator serves the JWKS at the pool's path).
    async fn keys(&self) -> &[(String, DecodingKey)] {
        self.keys
            .get_or_init(|| async {
                let url = format!("{}{}/.well-known/jwks.json", self.pool.endpoint, self.pool.user_pool_id);
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
        // The issuer, exactly: `https://cognito-idp.<region>.amazonaws.com/<pool id>` (the pool id
        // starts with its region), as the template's JwtConfiguration names it.
        let region = self.pool.user_pool_id.split('_').next().unwrap_or_default();
        let issuer = format!("https://cognito-idp.{region}.amazonaws.com/{}", self.pool.user_pool_id);
        let issuer_ok = claims.get("iss").and_then(Value::as_str) == Some(issuer.as_str());
        let audience = claims.get("client_id").or_else(|| claims.get("aud")).and_then(Value::as_str);
        if !issuer_ok || audience != Some(self.pool.client_id.as_str()) {
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
