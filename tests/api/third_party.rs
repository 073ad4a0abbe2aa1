//! Third-party sign-in [LOGIN-2] through the API against the sandbox identity providers, which
//! speak OAuth 2.0 over HTTP: the browser's consent is a real GET of the provider's authorize
//! URL (answered with a redirect carrying `code` and `state`), and the API exchanges the code at
//! the provider's token endpoint and reads its user info over HTTP, as in production.

use api_tests::*;
use serde_json::{json, Value};
use std::collections::HashMap;

fn sandbox_user() -> String {
    format!("u{}", &unique_username()[1..9].to_ascii_lowercase())
}

/// A started authorization: (authorize URL, the browser's secret).
async fn start(app: &TestApp, path: &str, token: Option<&str>) -> (String, String) {
    let started = app.call("POST", path, token, None).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let url = started.body["authorize_url"].as_str().unwrap().to_owned();
    (url, started.body["browser_secret"].as_str().unwrap().to_owned())
}

/// The browser at the provider: the user consents; the provider redirects back with the code.
async fn consent(authorize_url: &str, user: &str) -> (String, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = client.get(format!("{authorize_url}&user={user}")).send().await.unwrap();
    assert_eq!(answer.status(), 302, "{:?}", answer.text().await);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://localhost:5173/oauth/callback?"), "{location}");
    let query: HashMap<String, String> = reqwest::Url::parse(&location).unwrap().query_pairs().into_owned().collect();
    (query["code"].clone(), query["state"].clone())
}

fn callback(code: &str, state: &str, browser_secret: &str) -> Value {
    json!({ "code": code, "state": state, "browser_secret": browser_secret })
}

async fn bind(app: &TestApp, token: &str, provider: &str, user: &str) -> Reply {
    let path = format!("/v1/security/third-party/{provider}/authorizations");
    let (url, secret) = start(app, &path, Some(token)).await;
    let (code, state) = consent(&url, user).await;
    let path = format!("/v1/security/third-party/{provider}");
    app.call("POST", &path, Some(token), Some(callback(&code, &state, &secret))).await
}

async fn sign_in_with(app: &TestApp, provider: &str, user: &str) -> Reply {
    let (url, secret) = start(app, &format!("/v1/oauth/{provider}/authorizations"), None).await;
    let (code, state) = consent(&url, user).await;
    app.call("POST", &format!("/v1/oauth/{provider}/callback"), None, Some(callback(&code, &state, &secret))).await
}

#[tokio::test]
async fn a_passport_account_binds_signs_in_with_and_unbinds_a_third_party_account() {
    let app = spawn_app().await;
    let (account_id, phone, token) = app.passport_user().await;
    let user = sandbox_user();

    let bound = bind(&app, &token, "wechat", &user).await;
    assert_eq!(bound.status, 201, "{:?}", bound.body);
    assert_eq!(bound.body["provider"], "wechat");
    let masked = bound.body["account"].as_str().unwrap();
    assert!(masked.starts_with("sb") && masked.contains('*') && !masked.contains(&user), "{masked}");
    let listed = app.call("GET", "/v1/security/third-party", Some(&token), None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["bindings"][0]["provider"], "wechat");
    assert_eq!(listed.body["providers"], json!(["wechat", "qq", "weibo"]));

    let signed_in = sign_in_with(&app, "wechat", &user).await;
    assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["account_id"], account_id.as_str());
    let desktop = signed_in.body["access_token"].as_str().unwrap();
    let me = app.call("GET", "/v1/accounts/me", Some(desktop), None).await;
    assert_eq!(me.status, 200);
    let sessions = app.call("GET", "/v1/sessions", Some(desktop), None).await;
    assert!(sessions.body.to_string().contains("\"third-party\""), "{:?}", sessions.body);
    // The same user at another provider is another identity, bound to nothing.
    let elsewhere = sign_in_with(&app, "qq", &user).await;
    assert_eq!(elsewhere.code(), "THIRD_PARTY_NOT_BOUND");

    // Unbinding is operation-protected [MFA-2].
    let unbind = app.call("DELETE", "/v1/security/third-party/wechat", Some(&token), None).await;
    assert_eq!((unbind.status, unbind.code()), (403, "STEP_UP_REQUIRED"), "{:?}", unbind.body);
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let unbind = app.call("DELETE", "/v1/security/third-party/wechat", Some(&token), None).await;
    assert_eq!(unbind.status, 204, "{:?}", unbind.body);
    let again = app.call("DELETE", "/v1/security/third-party/wechat", Some(&token), None).await;
    assert_eq!((again.status, again.code()), (404, "NOT_FOUND"));
    let listed = app.call("GET", "/v1/security/third-party", Some(&token), None).await;
    assert_eq!(listed.body["bindings"], json!([]));
    let refused = sign_in_with(&app, "wechat", &user).await;
    assert_eq!((refused.status, refused.code()), (409, "THIRD_PARTY_NOT_BOUND"), "{:?}", refused.body);
    // Unbound, the identity may be bound again (to this or another account).
    let (_, _, other) = app.passport_user().await;
    assert_eq!(bind(&app, &other, "wechat", &user).await.status, 201);
}

#[tokio::test]
async fn an_unbound_third_party_account_is_told_to_sign_in_and_bind_first() {
    let app = spawn_app().await;
    let refused = sign_in_with(&app, "weibo", &sandbox_user()).await;
    assert_eq!((refused.status, refused.code()), (409, "THIRD_PARTY_NOT_BOUND"), "{:?}", refused.body);
    assert_eq!(refused.body["error"]["details"]["bind"], "POST /v1/security/third-party/weibo/authorizations");
    assert!(refused.body["error"]["message"].as_str().unwrap().contains("not bound"));
    assert!(refused.body.get("access_token").is_none());
    let unknown = app.call("POST", "/v1/oauth/github/authorizations", None, None).await;
    assert_eq!((unknown.status, unknown.code()), (404, "NOT_FOUND"));
}

#[tokio::test]
async fn a_replayed_foreign_or_unknown_state_is_refused() {
    let app = spawn_app().await;
    let (_, _, token) = app.passport_user().await;
    let user = sandbox_user();
    assert_eq!(bind(&app, &token, "qq", &user).await.status, 201);

    let (url, secret) = start(&app, "/v1/oauth/qq/authorizations", None).await;
    let (code, state) = consent(&url, &user).await;
    // The state carried to another browser (which has its own secret, or none) is refused, and
    // stays usable by its own browser.
    let (_, other_browser) = start(&app, "/v1/oauth/qq/authorizations", None).await;
    let foreign = app.call("POST", "/v1/oauth/qq/callback", None, Some(callback(&code, &state, &other_browser))).await;
    assert_eq!((foreign.status, foreign.code()), (400, "OAUTH_STATE_INVALID"), "{:?}", foreign.body);
    // ... at another provider's callback too.
    let wrong_provider =
        app.call("POST", "/v1/oauth/weibo/callback", None, Some(callback(&code, &state, &secret))).await;
    assert_eq!(wrong_provider.code(), "OAUTH_STATE_INVALID");
    let signed_in = app.call("POST", "/v1/oauth/qq/callback", None, Some(callback(&code, &state, &secret))).await;
    assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
    // Replayed: the state was used up.
    let replayed = app.call("POST", "/v1/oauth/qq/callback", None, Some(callback(&code, &state, &secret))).await;
    assert_eq!((replayed.status, replayed.code()), (400, "OAUTH_STATE_INVALID"), "{:?}", replayed.body);
    assert!(replayed.body.get("access_token").is_none());
    // Made up, or past its 10 minutes.
    let unknown = app.call("POST", "/v1/oauth/qq/callback", None, Some(callback(&code, "0123abcd", &secret))).await;
    assert_eq!(unknown.code(), "OAUTH_STATE_INVALID");
    let (url, secret) = start(&app, "/v1/oauth/qq/authorizations", None).await;
    let (code, state) = consent(&url, &user).await;
    app.clock.advance(chrono::Duration::minutes(10));
    let late = app.call("POST", "/v1/oauth/qq/callback", None, Some(callback(&code, &state, &secret))).await;
    assert_eq!(late.code(), "OAUTH_STATE_INVALID");
    // A binding's state does not sign in, nor another account's binding state bind.
    let (_, _, binder) = app.passport_user().await;
    let (url, secret) = start(&app, "/v1/security/third-party/qq/authorizations", Some(&binder)).await;
    let (code, state) = consent(&url, &sandbox_user()).await;
    let as_sign_in = app.call("POST", "/v1/oauth/qq/callback", None, Some(callback(&code, &state, &secret))).await;
    assert_eq!(as_sign_in.code(), "OAUTH_STATE_INVALID");
    let (_, _, intruder) = app.passport_user().await;
    let stolen =
        app.call("POST", "/v1/security/third-party/qq", Some(&intruder), Some(callback(&code, &state, &secret))).await;
    assert_eq!(stolen.code(), "OAUTH_STATE_INVALID");
    let own =
        app.call("POST", "/v1/security/third-party/qq", Some(&binder), Some(callback(&code, &state, &secret))).await;
    assert_eq!(own.status, 201, "{:?}", own.body);
}

#[tokio::test]
async fn a_replayed_authorization_code_is_refused() {
    let app = spawn_app().await;
    let (_, _, token) = app.passport_user().await;
    let user = sandbox_user();
    assert_eq!(bind(&app, &token, "weibo", &user).await.status, 201);
    let (url, secret) = start(&app, "/v1/oauth/weibo/authorizations", None).await;
    let (code, state) = consent(&url, &user).await;
    let first = app.call("POST", "/v1/oauth/weibo/callback", None, Some(callback(&code, &state, &secret))).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    // The same code with a fresh authorization of this browser: the provider refuses it (used).
    let (fresh_url, fresh_secret) = start(&app, "/v1/oauth/weibo/authorizations", None).await;
    let fresh: HashMap<String, String> = reqwest::Url::parse(&fresh_url).unwrap().query_pairs().into_owned().collect();
    let replayed =
        app.call("POST", "/v1/oauth/weibo/callback", None, Some(callback(&code, &fresh["state"], &fresh_secret))).await;
    assert_eq!((replayed.status, replayed.code()), (400, "OAUTH_CODE_REJECTED"), "{:?}", replayed.body);
    assert!(replayed.body.get("access_token").is_none());
    // A made-up code likewise.
    let (url, secret) = start(&app, "/v1/oauth/weibo/authorizations", None).await;
    let (_, state) = consent(&url, &user).await;
    let made_up =
        app.call("POST", "/v1/oauth/weibo/callback", None, Some(callback("not-a-code", &state, &secret))).await;
    assert_eq!(made_up.code(), "OAUTH_CODE_REJECTED");
}

#[tokio::test]
async fn login_protection_applies_after_a_third_party_sign_in() {
    let app = spawn_app().await;
    let (account_id, phone, token) = app.passport_user().await;
    let user = sandbox_user();
    assert_eq!(bind(&app, &token, "wechat", &user).await.status, 201);
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let on = json!({"login_protection": true, "operation_protection": true});
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(on)).await.status, 204);

    let pending = sign_in_with(&app, "wechat", &user).await;
    assert_eq!(pending.status, 202, "{:?}", pending.body);
    assert!(pending.body.get("access_token").is_none());
    assert_eq!(pending.body["factors"], json!(["sms"]));
    let flow = pending.body["sign_in_id"].clone();
    app.clock.advance(chrono::Duration::seconds(61));
    let sent = app.call("POST", "/v1/sessions/second-factor/sms-codes", None, Some(json!({"sign_in_id": flow}))).await;
    assert_eq!(sent.status, 202, "{:?}", sent.body);
    let body = json!({"sign_in_id": flow, "factor": "sms", "challenge_id": sent.body["challenge_id"],
        "code": app.outbox_code(&phone)});
    let done = app.call("POST", "/v1/sessions/second-factor", None, Some(body)).await;
    assert_eq!(done.status, 201, "{:?}", done.body);
    assert_eq!(done.body["account_id"], account_id.as_str());
    let sessions = app.call("GET", "/v1/sessions", Some(done.body["access_token"].as_str().unwrap()), None).await;
    assert!(sessions.body.to_string().contains("third-party+2fa"), "{:?}", sessions.body);
}

#[tokio::test]
async fn only_passport_accounts_bind_and_each_identity_binds_once() {
    let app = spawn_app().await;
    let (_, _, cloud) = app.signed_in_user().await;
    let refused = app.call("POST", "/v1/security/third-party/wechat/authorizations", Some(&cloud), None).await;
    assert_eq!((refused.status, refused.code()), (403, "THIRD_PARTY_PASSPORT_ONLY"), "{:?}", refused.body);
    let anonymous = app.call("POST", "/v1/security/third-party/wechat/authorizations", None, None).await;
    assert_eq!(anonymous.status, 401);

    let (_, _, first) = app.passport_user().await;
    let (_, _, second) = app.passport_user().await;
    let user = sandbox_user();
    assert_eq!(bind(&app, &first, "wechat", &user).await.status, 201);
    let taken = bind(&app, &second, "wechat", &user).await;
    assert_eq!((taken.status, taken.code()), (409, "THIRD_PARTY_TAKEN"), "{:?}", taken.body);
    let twice = app.call("POST", "/v1/security/third-party/wechat/authorizations", Some(&first), None).await;
    assert_eq!((twice.status, twice.code()), (409, "THIRD_PARTY_ALREADY_BOUND"), "{:?}", twice.body);
    // The second account binds its own identity; each signs in to its own account.
    let own = sandbox_user();
    assert_eq!(bind(&app, &second, "wechat", &own).await.status, 201);
    let a = sign_in_with(&app, "wechat", &user).await;
    let b = sign_in_with(&app, "wechat", &own).await;
    assert_eq!((a.status, b.status), (201, 201));
    assert_ne!(a.body["account_id"], b.body["account_id"]);
}

#[tokio::test]
async fn concurrent_callbacks_with_one_state_sign_in_once() {
    let app = spawn_app().await;
    let (_, _, token) = app.passport_user().await;
    let user = sandbox_user();
    assert_eq!(bind(&app, &token, "qq", &user).await.status, 201);
    let (url, secret) = start(&app, "/v1/oauth/qq/authorizations", None).await;
    let (code, state) = consent(&url, &user).await;
    let body = callback(&code, &state, &secret);
    let calls = (0..8).map(|_| app.call("POST", "/v1/oauth/qq/callback", None, Some(body.clone())));
    let replies = futures::future::join_all(calls).await;
    let signed_in = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.code() == "OAUTH_STATE_INVALID").count();
    assert_eq!((signed_in, refused), (1, 7), "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
}

#[tokio::test]
async fn no_code_state_secret_token_or_provider_user_id_is_logged() {
    capture_logs();
    let app = spawn_app().await;
    let (_, _, token) = app.passport_user().await;
    let user = sandbox_user();
    let (url, secret) = start(&app, "/v1/security/third-party/weibo/authorizations", Some(&token)).await;
    let (code, state) = consent(&url, &user).await;
    let body = callback(&code, &state, &secret);
    assert_eq!(app.call("POST", "/v1/security/third-party/weibo", Some(&token), Some(body.clone())).await.status, 201);
    // A refusal too, so both logging paths run.
    let replayed = app.call("POST", "/v1/security/third-party/weibo", Some(&token), Some(body)).await;
    assert_eq!(replayed.code(), "OAUTH_STATE_INVALID");
    let signed_in = sign_in_with(&app, "weibo", &user).await;
    assert_eq!(signed_in.status, 201);
    let session = signed_in.body["access_token"].as_str().unwrap();

    let logs = captured_logs();
    assert!(logs.contains("request refused"), "the capture works");
    for (what, value) in
        [("code", code.as_str()), ("state", &state), ("browser secret", &secret), ("user", &user), ("token", session)]
    {
        assert!(!logs.contains(value), "the {what} appears in the logs");
    }
}
