//! QR-code sign-in: the desktop's ticket, the mobile app's scan and confirmation, the session
//! handed over exactly once [LOGIN-2].

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};

async fn issue(app: &TestApp) -> (String, String) {
    let t = app.call("POST", "/v1/qr-logins", None, None).await;
    assert_eq!(t.status, 201, "{:?}", t.body);
    assert!(t.body["qr_code"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    assert!(t.body["qr_payload"].as_str().unwrap().ends_with(t.body["ticket_id"].as_str().unwrap()));
    (t.body["ticket_id"].as_str().unwrap().to_owned(), t.body["secret"].as_str().unwrap().to_owned())
}

async fn poll(app: &TestApp, ticket: &str, secret: &str) -> Reply {
    app.call("POST", &format!("/v1/qr-logins/{ticket}/poll"), None, Some(json!({ "secret": secret }))).await
}

async fn app_step(app: &TestApp, token: &str, ticket: &str, step: &str) -> Reply {
    app.call("POST", &format!("/v1/qr-logins/{ticket}/{step}"), Some(token), None).await
}

#[tokio::test]
async fn scan_confirm_and_the_desktop_gets_the_session_once() {
    let app = spawn_app().await;
    let (account_id, _, phone_app) = app.passport_user().await;
    let (ticket, secret) = issue(&app).await;
    assert_eq!(poll(&app, &ticket, &secret).await.body["state"], "waiting");
    let scanned = app_step(&app, &phone_app, &ticket, "scan").await;
    assert_eq!(scanned.body["state"], "scanned");
    assert_eq!(scanned.body["desktop"]["user_agent"], "api-tests/1.0");
    assert_eq!(poll(&app, &ticket, &secret).await.body["state"], "scanned");
    assert_eq!(app_step(&app, &phone_app, &ticket, "confirm").await.body["state"], "confirmed");
    let session = poll(&app, &ticket, &secret).await;
    assert_eq!(session.status, 201, "{:?}", session.body);
    let token = session.body["access_token"].as_str().unwrap();
    let me = app.call("GET", "/v1/accounts/me", Some(token), None).await;
    assert_eq!(me.body["account_id"], account_id);
    let listed = app.call("GET", "/v1/sessions", Some(token), None).await;
    assert!(listed.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["sign_in_method"] == "qr-code" && s["current"] == true));
    let again = poll(&app, &ticket, &secret).await;
    assert_eq!((again.status, again.body["state"].clone()), (200, Value::from("consumed")));
    assert!(again.body.get("access_token").is_none(), "the session is handed over once");
    assert_eq!(app_step(&app, &phone_app, &ticket, "confirm").await.code(), "QR_TICKET_USED");
}

#[tokio::test]
async fn two_racing_polls_get_one_session() {
    let app = spawn_app().await;
    let (_, _, phone_app) = app.passport_user().await;
    let (ticket, secret) = issue(&app).await;
    app_step(&app, &phone_app, &ticket, "scan").await;
    app_step(&app, &phone_app, &ticket, "confirm").await;
    let (a, b) = tokio::join!(poll(&app, &ticket, &secret), poll(&app, &ticket, &secret));
    let sessions = [&a, &b].iter().filter(|r| r.status == 201).count();
    assert_eq!(sessions, 1, "{:?} {:?}", a.body, b.body);
}

#[tokio::test]
async fn a_rejected_ticket_gives_no_session() {
    let app = spawn_app().await;
    let (_, _, phone_app) = app.passport_user().await;
    let (ticket, secret) = issue(&app).await;
    app_step(&app, &phone_app, &ticket, "scan").await;
    assert_eq!(app_step(&app, &phone_app, &ticket, "reject").await.body["state"], "rejected");
    assert_eq!(poll(&app, &ticket, &secret).await.body["state"], "rejected");
    assert_eq!(app_step(&app, &phone_app, &ticket, "confirm").await.code(), "QR_TICKET_USED");
}

#[tokio::test]
async fn an_expired_ticket_is_refused() {
    let app = spawn_app().await;
    let (_, _, phone_app) = app.passport_user().await;
    let (ticket, secret) = issue(&app).await;
    app.clock.advance(Duration::minutes(2));
    let late = app_step(&app, &phone_app, &ticket, "scan").await;
    assert_eq!((late.status, late.code()), (409, "QR_TICKET_EXPIRED"));
    assert_eq!(poll(&app, &ticket, &secret).await.body["state"], "expired");
}

#[tokio::test]
async fn a_cloud_account_cannot_confirm_a_qr_sign_in() {
    // LOGIN-2: a cloud account signs in with its username and password only (the seed)
    let app = spawn_app().await;
    let (_, _, cloud) = app.signed_in_user().await;
    let (ticket, _) = issue(&app).await;
    let refused = app_step(&app, &cloud, &ticket, "scan").await;
    assert_eq!((refused.status, refused.code()), (403, "QR_SIGN_IN_PASSPORT_ONLY"));
}

#[tokio::test]
async fn another_account_cannot_confirm_and_the_order_holds() {
    let app = spawn_app().await;
    let (_, _, first) = app.passport_user().await;
    let (_, _, second) = app.passport_user().await;
    let (ticket, secret) = issue(&app).await;
    assert_eq!(
        app_step(&app, &first, &ticket, "confirm").await.code(),
        "QR_TICKET_OUT_OF_ORDER",
        "confirm before scan"
    );
    app_step(&app, &first, &ticket, "scan").await;
    let foreign = app_step(&app, &second, &ticket, "confirm").await;
    assert_eq!((foreign.status, foreign.code()), (403, "QR_TICKET_FOREIGN"));
    assert_eq!(app_step(&app, &second, &ticket, "scan").await.code(), "QR_TICKET_FOREIGN");
    assert_eq!(poll(&app, &ticket, "not-the-secret").await.code(), "NOT_FOUND", "only the desktop can poll");
    assert_eq!(poll(&app, "0123456789abcdef0123456789abcdef", &secret).await.code(), "NOT_FOUND");
    let no_token = app.call("POST", &format!("/v1/qr-logins/{ticket}/confirm"), None, None).await;
    assert_eq!(no_token.status, 401, "the app must be signed in");
}
