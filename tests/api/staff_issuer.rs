//! Staff signing in where there is no staff pool (the China regions) [issue 27]: the deployment
//! names an OpenID Connect issuer; the dashboard signs in there with an authorization code and
//! PKCE, the staff routes take the issuer's access tokens (its username and roles claims), and
//! the pool's password routes say where to sign in instead. Here the issuer is the sandbox one the
//! local server runs (`local_env::staff_issuer`). Once through HTTP, once in Chromium on the
//! dashboard (screenshots `target/screenshots/staff-issuer-*.png`).

use api_tests::browser::Browser;
use api_tests::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CLIENT: &str = "test-dashboard";

/// The issuer's answer to an authorization request for `user` with a PKCE challenge of
/// `verifier`: the `Location` it redirects to.
async fn authorize(app: &TestApp, user: &str, verifier: &str, redirect_uri: &str) -> reqwest::Url {
    let challenge = B64URL.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = reqwest::Url::parse(&format!("{}/sandbox/oidc/authorize", app.base_url)).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", "s-1")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("user", user);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = client.get(url).send().await.unwrap();
    assert_eq!(answer.status(), 302, "{:?}", answer.text().await);
    reqwest::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap()
}

async fn token(app: &TestApp, code: &str, verifier: &str, redirect_uri: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", CLIENT),
        ("code_verifier", verifier),
    ];
    let answer =
        reqwest::Client::new().post(format!("{}/sandbox/oidc/token", app.base_url)).form(&form).send().await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap_or_default())
}

fn code_of(location: &reqwest::Url) -> String {
    location.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("a code")
}

async fn staff_of_issuer(app: &TestApp, username: &str, groups: &[&str]) {
    let made = app.sandbox("POST", "/sandbox/staff", Some(json!({ "username": username, "groups": groups }))).await;
    assert_eq!(made.status, 201, "{:?}", made.body);
}

#[tokio::test]
async fn the_staff_routes_take_the_issuers_tokens_and_the_password_routes_point_there() {
    let app = spawn_app_with_staff_issuer().await;
    let lead = format!("lead-{}", unique_username());
    let nobody = format!("none-{}", unique_username());
    staff_of_issuer(&app, &lead, &["reviewer", "lead"]).await;
    staff_of_issuer(&app, &nobody, &[]).await;
    let dashboard = format!("{}/review/", app.base_url);
    let verifier = "v".repeat(43) + &unique_username();

    let config = app.call("GET", "/review/sign-in.json", None, None).await;
    assert_eq!(config.status, 200);
    assert_eq!(config.body["by"], "issuer");
    assert_eq!(config.body["issuer"], format!("{}/sandbox/oidc", app.base_url));
    assert_eq!(config.body["client_id"], CLIENT);
    let page = app.call("GET", "/review/", None, None).await;
    let csp = page.headers["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains(&format!("connect-src 'self' {};", app.base_url)), "{csp}");

    // PKCE: a code is given for the challenge and taken back only with its verifier, once.
    let location = authorize(&app, &lead, &verifier, &dashboard).await;
    assert!(location.as_str().starts_with(&dashboard), "{location}");
    assert_eq!(location.query_pairs().find(|(k, _)| k == "state").unwrap().1, "s-1");
    let code = code_of(&location);
    let (status, refused) = token(&app, &code, &("w".repeat(43)), &dashboard).await;
    assert_eq!((status, refused["error"].as_str()), (400, Some("invalid_grant")), "{refused}");
    let (status, _) = token(&app, &code, &verifier, &dashboard).await;
    assert_eq!(status, 400, "the code was spent by the wrong verifier");
    let code = code_of(&authorize(&app, &lead, &verifier, &dashboard).await);
    let (status, tokens) = token(&app, &code, &verifier, &dashboard).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap().to_owned();

    let queue = app.call("GET", "/v1/review/queue", Some(&access), None).await;
    assert_eq!(queue.status, 200, "{:?}", queue.body);
    let figures = app.call("GET", "/v1/review/figures", Some(&access), None).await;
    assert_eq!(figures.status, 200, "the lead role from the issuer's `groups` claim: {:?}", figures.body);

    let code = code_of(&authorize(&app, &nobody, &verifier, &dashboard).await);
    let (_, tokens) = token(&app, &code, &verifier, &dashboard).await;
    let roleless = tokens["access_token"].as_str().unwrap();
    let refused = app.call("GET", "/v1/review/queue", Some(roleless), None).await;
    assert_eq!((refused.status, refused.code()), (403, "STAFF_ROLE_REQUIRED"), "{:?}", refused.body);

    // Not the issuer's access token: a forged signature; an ID token (same issuer and audience,
    // signed alike, but no `scope`).
    let forged = format!("{}x", &access[..access.len() - 1]);
    assert_eq!(app.call("GET", "/v1/review/queue", Some(&forged), None).await.status, 401);
    let id_token = {
        let key: Value = serde_json::from_str(include_str!("../../infra/local/sandbox/staff-issuer-jwk.json")).unwrap();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = key["kid"].as_str().map(str::to_owned);
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "iss": format!("{}/sandbox/oidc", app.base_url), "aud": CLIENT, "sub": format!("sandbox-{lead}"),
            "preferred_username": lead, "groups": ["reviewer", "lead"], "iat": now, "exp": now + 600, "nonce": "n",
        });
        let pem = include_str!("../../infra/local/sandbox/staff-issuer-key.pem");
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap())
            .unwrap()
    };
    let refused = app.call("GET", "/v1/review/queue", Some(&id_token), None).await;
    assert_eq!((refused.status, refused.code()), (401, "UNAUTHENTICATED"), "{:?}", refused.body);

    let password = app
        .call("POST", "/v1/staff/sessions", None, Some(json!({ "username": lead, "password": "Any-Password-1!" })))
        .await;
    assert_eq!((password.status, password.code()), (409, "STAFF_SIGN_IN_BY_ISSUER"), "{:?}", password.body);

    // The issuer redirects only to a loopback dashboard, and only with PKCE.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let elsewhere = client
        .get(format!(
            "{}/sandbox/oidc/authorize?response_type=code&client_id={CLIENT}&redirect_uri=https%3A%2F%2Fevil.example%2Freview%2F&code_challenge={}&code_challenge_method=S256&user={lead}",
            app.base_url,
            "a".repeat(43)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 400);
}

/// The pool's deployments say so to the page.
#[tokio::test]
async fn with_a_staff_pool_the_dashboard_signs_in_with_a_password() {
    let app = spawn_app().await;
    let config = app.call("GET", "/review/sign-in.json", None, None).await;
    assert_eq!(config.body, json!({ "by": "pool" }));
    assert_eq!(app.sandbox("GET", "/sandbox/oidc/.well-known/openid-configuration", None).await.status, 404);
}

/// In Chromium: the dashboard shows the issuer's sign-in button (no password form), the issuer's
/// page signs the lead in, and the dashboard exchanges the code with its verifier and shows the
/// queue and the lead's figures; the code leaves the address bar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_signs_in_on_the_dashboard_through_the_issuer() {
    let app = spawn_app_with_staff_issuer().await;
    let lead = format!("lead-{}", unique_username());
    staff_of_issuer(&app, &lead, &["reviewer", "lead"]).await;

    let browser = Browser::start("staff-issuer").await;
    browser.goto(&format!("{}/review/", app.base_url)).await;
    browser.wait_for("#issuer-sign-in-button").await;
    assert!(!browser.displayed("#sign-in-form").await, "no password form without a staff pool");
    browser.screenshot("01-sign-in-button").await;
    browser.click("#issuer-sign-in-button").await;
    let link = format!("a[data-user=\"{lead}\"]");
    browser.wait_for(&link).await;
    browser.screenshot("02-identity-provider").await;
    browser.click(&link).await;
    browser.wait_for("#dashboard").await;
    assert_eq!(browser.text("#who-name").await, lead);
    let roles = browser.text("#who-roles").await;
    assert!(roles.contains("lead") && roles.contains("reviewer"), "{roles}");
    browser.wait_for("#lead").await;
    let address = browser.script("return location.href;", json!([])).await;
    assert_eq!(address, json!(format!("{}/review/", app.base_url)), "the code left the address bar");
    browser.screenshot("03-signed-in").await;
    let errors = browser.console_errors().await;
    assert!(errors.iter().all(|e| !e.contains("Content Security Policy")), "{errors:?}");
    browser.quit().await;
}
