//! Login protection applies to every sign-in method [LOGIN-3] (issue 9, item 6): an SMS sign-in
//! or a QR sign-in of an account under login protection answers a pending sign-in, and the
//! factor the method itself proved (the SMS code) does not count as the second one.

use api_tests::*;
use serde_json::json;

async fn protect(app: &TestApp, token: &str, phone: &str) {
    assert_eq!(app.step_up_by_sms(token, phone).await.status, 201);
    let on = json!({"login_protection": true, "operation_protection": true});
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(token), Some(on)).await.status, 204);
}

/// A new passport account (by SMS), signed in: its token.
async fn passport_account(app: &TestApp, phone: &str) -> String {
    let first = app.sms_sign_in(phone, Some(agreements())).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    first.body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_sms_sign_in_under_login_protection_needs_the_virtual_mfa_code() {
    let app = spawn_app().await;
    let phone = unique_phone();
    let token = passport_account(&app, &phone).await;
    let (secret, _) = app.bind_totp(&token, &phone).await;
    protect(&app, &token, &phone).await;

    let pending = app.sms_sign_in(&phone, None).await;
    assert_eq!(pending.status, 202, "{:?}", pending.body);
    assert!(pending.body.get("access_token").is_none());
    assert_eq!(pending.body["factors"], json!(["totp", "recovery_code"]), "the SMS code already signed in");
    let flow = pending.body["sign_in_id"].clone();
    let by_sms = json!({"sign_in_id": flow, "factor": "sms", "challenge_id": "x", "code": "123456"});
    let refused = app.call("POST", "/v1/sessions/second-factor", None, Some(by_sms)).await;
    assert_eq!((refused.status, refused.code()), (422, "INVALID_FIELD"));
    let by_totp = json!({"sign_in_id": flow, "factor": "totp", "code": totp_code(&app, &secret, 0)});
    let done = app.call("POST", "/v1/sessions/second-factor", None, Some(by_totp)).await;
    assert_eq!(done.status, 201, "{:?}", done.body);
    let sessions = app.call("GET", "/v1/sessions", Some(done.body["access_token"].as_str().unwrap()), None).await;
    assert!(sessions.body.to_string().contains("sms-code+2fa"), "{:?}", sessions.body);
}

#[tokio::test]
async fn an_sms_sign_in_under_login_protection_without_another_factor_is_refused() {
    let app = spawn_app().await;
    let phone = unique_phone();
    let token = passport_account(&app, &phone).await;
    protect(&app, &token, &phone).await;
    let refused = app.sms_sign_in(&phone, None).await;
    assert_eq!((refused.status, refused.code()), (403, "SECOND_FACTOR_UNAVAILABLE"), "{:?}", refused.body);
    assert!(refused.body.get("access_token").is_none());
}

#[tokio::test]
async fn a_qr_sign_in_under_login_protection_needs_a_second_factor() {
    let app = spawn_app().await;
    let (account_id, phone, phone_app) = app.passport_user().await;
    protect(&app, &phone_app, &phone).await;
    let t = app.call("POST", "/v1/qr-logins", None, None).await;
    let (ticket, secret) = (t.body["ticket_id"].as_str().unwrap(), t.body["secret"].as_str().unwrap());
    for step in ["scan", "confirm"] {
        let r = app.call("POST", &format!("/v1/qr-logins/{ticket}/{step}"), Some(&phone_app), None).await;
        assert_eq!(r.status, 200, "{step}: {:?}", r.body);
    }
    let poll = app.call("POST", &format!("/v1/qr-logins/{ticket}/poll"), None, Some(json!({"secret": secret}))).await;
    assert_eq!(poll.status, 202, "{:?}", poll.body);
    assert!(poll.body.get("access_token").is_none());
    assert_eq!(poll.body["factors"], json!(["sms"]));
    let flow = poll.body["sign_in_id"].clone();
    app.clock.advance(chrono::Duration::seconds(61));
    let sent = app.call("POST", "/v1/sessions/second-factor/sms-codes", None, Some(json!({"sign_in_id": flow}))).await;
    assert_eq!(sent.status, 202, "{:?}", sent.body);
    let body = json!({"sign_in_id": flow, "factor": "sms", "challenge_id": sent.body["challenge_id"], "code": app.outbox_code(&phone)});
    let done = app.call("POST", "/v1/sessions/second-factor", None, Some(body)).await;
    assert_eq!(done.status, 201, "{:?}", done.body);
    let me = app.call("GET", "/v1/accounts/me", Some(done.body["access_token"].as_str().unwrap()), None).await;
    assert_eq!(me.body["account_id"], account_id);
}
