//! A new staff member [issues 27, 28]: the operator invites them (`local-env staff invite`, the
//! same admin calls as in AWS, here on the emulator's pool), their first sign-in with the
//! invitation's temporary password chooses a password (the pool's policy said when refused), sets
//! up an authenticator from a QR code, and ends signed in with their role; every later sign-in
//! asks for the authenticator's code. A leaver is removed and can no longer sign in. Once through
//! the API, once in Chromium on the dashboard (screenshots `target/screenshots/staff-onboarding-*.png`).

use api_tests::browser::Browser;
use api_tests::*;
use local_env::staff_admin::{self, Role};
use serde_json::json;

const NEW_PASSWORD: &str = "Own-Choice-2026!";

/// The emulator's staff pool through the operator's command: (client, pool id).
async fn operator() -> (aws_sdk_cognitoidentityprovider::Client, String) {
    staff_pool().await;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
    let pool = staff_admin::pool_id(&client, None).await.expect("the local staff pool");
    (client, pool)
}

async fn password_step(app: &TestApp, username: &str, password: &str) -> Reply {
    app.call("POST", "/v1/staff/sessions", None, Some(json!({ "username": username, "password": password }))).await
}

#[tokio::test]
async fn an_invited_reviewer_chooses_a_password_sets_up_an_authenticator_and_signs_in() {
    let app = spawn_app().await;
    let (client, pool) = operator().await;
    let username = format!("new-{}", unique_username());
    let temporary = staff_admin::temporary_password();
    staff_admin::invite(&client, &pool, &username, "new.reviewer@example.com", Role::Reviewer, Some(&temporary))
        .await
        .expect("invited");
    let again = staff_admin::invite(&client, &pool, &username, "other@example.com", Role::Lead, None).await;
    assert!(again.is_err(), "a second invitation of one name changes nothing");

    let first = password_step(&app, &username, &temporary).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["challenge"], "NEW_PASSWORD_REQUIRED", "{:?}", first.body);
    let session = first.body["session"].as_str().unwrap().to_owned();
    let choose = |password: &str| json!({ "username": username, "session": session, "new_password": password });

    let weak = app.call("POST", "/v1/staff/sessions/new-password", None, Some(choose("short"))).await;
    assert_eq!((weak.status, weak.code()), (422, "STAFF_PASSWORD_REJECTED"), "{:?}", weak.body);
    let chosen = app.call("POST", "/v1/staff/sessions/new-password", None, Some(choose(NEW_PASSWORD))).await;
    assert_eq!(chosen.status, 200, "{:?}", chosen.body);
    assert_eq!(chosen.body["challenge"], "MFA_SETUP", "{:?}", chosen.body);
    let secret = chosen.body["secret"].as_str().unwrap().to_owned();
    assert!(chosen.body["qr_code"].as_str().unwrap().starts_with("data:image/svg+xml"), "{:?}", chosen.body);
    let uri = chosen.body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={}", secret.to_uppercase())), "{uri}");
    let setup = chosen.body["session"].as_str().unwrap().to_owned();
    let code = |code: &str| json!({ "username": username, "session": setup, "code": code });

    let foreign = json!({ "username": username, "session": "not-a-session", "code": "123456" });
    let ended = app.call("POST", "/v1/staff/sessions/mfa-setup", None, Some(foreign)).await;
    assert_eq!((ended.status, ended.code()), (401, "STAFF_SESSION_EXPIRED"), "{:?}", ended.body);
    let wrong = app.call("POST", "/v1/staff/sessions/mfa-setup", None, Some(code("000000"))).await;
    assert_eq!((wrong.status, wrong.code()), (401, "STAFF_SIGN_IN_FAILED"), "{:?}", wrong.body);
    let right = local_env::staff::mfa_code(&secret).await.unwrap();
    let signed_in = app.call("POST", "/v1/staff/sessions/mfa-setup", None, Some(code(&right))).await;
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
    let token = signed_in.body["access_token"].as_str().unwrap();
    let queue = app.call("GET", "/v1/review/queue", Some(token), None).await;
    assert_eq!(queue.status, 200, "the new reviewer works the queue: {:?}", queue.body);

    // The temporary password is spent; the chosen one asks for the authenticator's code.
    let spent = password_step(&app, &username, &temporary).await;
    assert_eq!((spent.status, spent.code()), (401, "STAFF_SIGN_IN_FAILED"), "{:?}", spent.body);
    let later = password_step(&app, &username, NEW_PASSWORD).await;
    assert_eq!(later.body["challenge"], "SOFTWARE_TOKEN_MFA", "{:?}", later.body);

    // A leaver is taken out: the password no longer signs in.
    staff_admin::remove(&client, &pool, &username).await.expect("removed");
    let gone = password_step(&app, &username, NEW_PASSWORD).await;
    assert_eq!((gone.status, gone.code()), (401, "STAFF_SIGN_IN_FAILED"), "{:?}", gone.body);
}

/// A first sign-in's session takes 3 wrong codes (or refused passwords), then none [LOGIN-6].
#[tokio::test]
async fn a_first_sign_ins_session_takes_three_tries() {
    let app = spawn_app().await;
    let (client, pool) = operator().await;
    let username = format!("new-{}", unique_username());
    let temporary = staff_admin::temporary_password();
    staff_admin::invite(&client, &pool, &username, "new.lead@example.com", Role::Lead, Some(&temporary)).await.unwrap();
    let first = password_step(&app, &username, &temporary).await;
    let session = first.body["session"].as_str().unwrap();
    let body = json!({ "username": username, "session": session, "new_password": "weak" });
    for _ in 0..3 {
        let weak = app.call("POST", "/v1/staff/sessions/new-password", None, Some(body.clone())).await;
        assert_eq!(weak.code(), "STAFF_PASSWORD_REJECTED", "{:?}", weak.body);
    }
    let body = json!({ "username": username, "session": session, "new_password": NEW_PASSWORD });
    let locked = app.call("POST", "/v1/staff/sessions/new-password", None, Some(body)).await;
    assert_eq!((locked.status, locked.code()), (429, "SIGN_IN_LOCKED"), "{:?}", locked.body);
}

/// The same first sign-in on the dashboard, in Chromium: the new-password form (a mismatch and a
/// weak password said so), the authenticator's QR code shown (decoded by the browser) with its key,
/// then the dashboard with the lead's roles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_lead_signs_in_the_first_time_on_the_dashboard() {
    let app = spawn_app().await;
    let base = app.serve().await;
    let (client, pool) = operator().await;
    let username = format!("new-{}", unique_username());
    let temporary = staff_admin::temporary_password();
    staff_admin::invite(&client, &pool, &username, "new.lead@example.com", Role::Lead, Some(&temporary)).await.unwrap();

    let browser = Browser::start("staff-onboarding").await;
    browser.goto(&format!("{base}/review/")).await;
    browser.type_into("#username", &username).await;
    browser.type_into("#password", &temporary).await;
    browser.click("#sign-in-submit").await;
    browser.wait_for("#new-password").await;
    browser.type_into("#new-password", NEW_PASSWORD).await;
    browser.type_into("#new-password-again", "Something-Else-1").await;
    browser.click("#new-password-submit").await;
    browser.wait_for_text("#error", "differ").await;
    browser.type_into("#new-password", "weakpassword").await;
    browser.type_into("#new-password-again", "weakpassword").await;
    browser.click("#new-password-submit").await;
    browser.wait_for_text("#error", "STAFF_PASSWORD_REJECTED").await;
    browser.screenshot("01-new-password-refused").await;
    browser.type_into("#new-password", NEW_PASSWORD).await;
    browser.type_into("#new-password-again", NEW_PASSWORD).await;
    browser.click("#new-password-submit").await;

    browser.wait_for("#mfa-setup-code").await;
    browser
        .wait_until(
            "the QR code is shown",
            "const i = document.getElementById('mfa-setup-qr'); return i.complete && i.naturalWidth > 0;",
            json!([]),
        )
        .await;
    let secret = browser.text("#mfa-setup-secret").await;
    assert!(!secret.is_empty(), "the key is shown to type in");
    browser.screenshot("02-authenticator-set-up").await;
    browser.type_into("#mfa-setup-code", &local_env::staff::mfa_code(&secret).await.unwrap()).await;
    browser.click("#mfa-setup-submit").await;
    browser.wait_for("#dashboard").await;
    let roles = browser.text("#who-roles").await;
    assert!(roles.contains("lead") && roles.contains("reviewer"), "{roles}");
    assert_eq!(browser.text("#mfa-setup-secret").await, "", "the key leaves the page once set up");
    browser.screenshot("03-signed-in").await;
    let errors = browser.console_errors().await;
    assert!(errors.iter().all(|e| !e.contains("Content Security Policy")), "{errors:?}");
    browser.quit().await;
}
