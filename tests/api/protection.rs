//! Login protection and operation protection [LOGIN-3, MFA-1, MFA-2].

use api_tests::*;
use chrono::Duration;
use serde_json::json;
use shared::domain::code::Purpose;

async fn turn_on_login_protection(app: &TestApp, token: &str, phone: &str) {
    assert_eq!(app.step_up_by_sms(token, phone).await.status, 201);
    let set = app
        .call(
            "PUT",
            "/v1/security/protection",
            Some(token),
            Some(json!({"login_protection": true, "operation_protection": true})),
        )
        .await;
    assert_eq!(set.status, 204, "{:?}", set.body);
}

#[tokio::test]
async fn sign_in_under_login_protection_by_sms() {
    // LOGIN-3
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    turn_on_login_protection(&app, &token, &phone).await;
    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.status, 202, "{:?}", pending.body);
    assert_eq!(pending.body["factors"], json!(["sms"]));
    assert!(pending.body.get("access_token").is_none());
    let flow = pending.body["sign_in_id"].clone();
    app.clock.advance(Duration::seconds(61));
    let sent = app.call("POST", "/v1/sessions/second-factor/sms-codes", None, Some(json!({"sign_in_id": flow}))).await;
    assert_eq!(sent.status, 202, "{:?}", sent.body);
    let body = json!({"sign_in_id": flow, "factor": "sms", "challenge_id": sent.body["challenge_id"], "code": app.outbox_code(&phone)});
    let done = app.call("POST", "/v1/sessions/second-factor", None, Some(body.clone())).await;
    assert_eq!(done.status, 201, "{:?}", done.body);
    let new_token = done.body["access_token"].as_str().unwrap();
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(new_token), None).await.status, 200);
    let again = app.call("POST", "/v1/sessions/second-factor", None, Some(body)).await;
    assert_eq!(again.code(), "SIGN_IN_FLOW_INVALID", "the session is issued once");
}

#[tokio::test]
async fn sign_in_under_login_protection_by_totp_and_wrong_factors_are_limited() {
    // LOGIN-3, MFA-1: either factor passes; its own failure counter
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let (secret, _) = app.bind_totp(&token, &phone).await;
    turn_on_login_protection(&app, &token, &phone).await;
    app.clock.advance(Duration::seconds(30));

    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.body["factors"], json!(["sms", "totp", "recovery_code"]));
    let flow = pending.body["sign_in_id"].clone();
    let done = app
        .call(
            "POST",
            "/v1/sessions/second-factor",
            None,
            Some(json!({"sign_in_id": flow, "factor": "totp", "code": totp_code(&app, &secret, 0)})),
        )
        .await;
    assert_eq!(done.status, 201, "{:?}", done.body);

    let pending = app.sign_in(&username, PASSWORD).await;
    let flow = pending.body["sign_in_id"].clone();
    for left in (1..=4).rev() {
        let wrong = app
            .call(
                "POST",
                "/v1/sessions/second-factor",
                None,
                Some(json!({"sign_in_id": flow, "factor": "totp", "code": "000000"})),
            )
            .await;
        assert_eq!(wrong.code(), "SECOND_FACTOR_INVALID");
        assert_eq!(wrong.body["error"]["details"]["attempts_left"], left);
    }
    let fifth = app
        .call(
            "POST",
            "/v1/sessions/second-factor",
            None,
            Some(json!({"sign_in_id": flow, "factor": "totp", "code": "000000"})),
        )
        .await;
    assert_eq!(fifth.code(), "SECOND_FACTOR_ATTEMPTS_EXCEEDED");
    app.clock.advance(Duration::seconds(30));
    let right = app
        .call(
            "POST",
            "/v1/sessions/second-factor",
            None,
            Some(json!({"sign_in_id": flow, "factor": "totp", "code": totp_code(&app, &secret, 0)})),
        )
        .await;
    assert_eq!(right.code(), "SECOND_FACTOR_ATTEMPTS_EXCEEDED", "the flow is dead");
    // The password counter is separate: the password still signs in (to a new pending flow).
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 202);
}

#[tokio::test]
async fn a_pending_sign_in_expires() {
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    turn_on_login_protection(&app, &token, &phone).await;
    let flow = app.sign_in(&username, PASSWORD).await.body["sign_in_id"].clone();
    app.clock.advance(Duration::minutes(5));
    let late = app
        .call(
            "POST",
            "/v1/sessions/second-factor",
            None,
            Some(json!({"sign_in_id": flow, "factor": "totp", "code": "123456"})),
        )
        .await;
    assert_eq!(late.code(), "SIGN_IN_FLOW_INVALID");
}

#[tokio::test]
async fn each_sensitive_operation_needs_a_step_up_then_passes() {
    // MFA-2: on by default (SMS) for main accounts
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["operation_protection"], true);
    let operations: Vec<(&str, &str, Option<serde_json::Value>)> = vec![
        ("PUT", "/v1/security/protection", Some(json!({"login_protection": false, "operation_protection": true}))),
        ("POST", "/v1/mfa/totp", None),
        (
            "PUT",
            "/v1/accounts/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "Quiet-Lantern-77"})),
        ),
    ];
    for (method, path, body) in operations {
        let refused = app.call(method, path, Some(&token), body.clone()).await;
        assert_eq!((refused.status, refused.code()), (403, "STEP_UP_REQUIRED"), "{method} {path}");
        assert_eq!(refused.body["error"]["details"]["factors"], json!(["sms"]));
        assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
        let passed = app.call(method, path, Some(&token), body).await;
        assert!(passed.status < 300, "{method} {path}: {:?}", passed.body);
        app.clock.advance(Duration::minutes(6));
    }
    assert_eq!(app.sign_in(&username, "Quiet-Lantern-77").await.status, 201, "the new password works");
    assert_eq!(app.sign_in(&username, PASSWORD).await.code(), "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn a_step_up_expires_after_five_minutes_and_belongs_to_its_session() {
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let other = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let body = json!({"login_protection": false, "operation_protection": true});
    assert_eq!(
        app.call("PUT", "/v1/security/protection", Some(&other), Some(body.clone())).await.code(),
        "STEP_UP_REQUIRED",
        "bound to the session"
    );
    app.clock.advance(Duration::minutes(4));
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(body.clone())).await.status, 204);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(body)).await.code(), "STEP_UP_REQUIRED");
}

#[tokio::test]
async fn with_operation_protection_off_no_step_up_is_asked() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let off = json!({"login_protection": false, "operation_protection": false});
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(off)).await.status, 204);
    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.call("POST", "/v1/mfa/totp", Some(&token), None).await.status, 201);
}

#[tokio::test]
async fn changing_the_password_can_sign_out_the_other_sessions() {
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let other = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let wrong = json!({"current_password": "Not-The-One-1", "new_password": "Quiet-Lantern-77"});
    assert_eq!(
        app.call("PUT", "/v1/accounts/me/password", Some(&token), Some(wrong)).await.code(),
        "CURRENT_PASSWORD_WRONG"
    );
    let weak = json!({"current_password": PASSWORD, "new_password": "password1"});
    assert_eq!(app.call("PUT", "/v1/accounts/me/password", Some(&token), Some(weak)).await.code(), "WEAK_PASSWORD");
    let body = json!({"current_password": PASSWORD, "new_password": "Quiet-Lantern-77", "revoke_other_sessions": true});
    let changed = app.call("PUT", "/v1/accounts/me/password", Some(&token), Some(body)).await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(changed.body["sessions_revoked"], 1);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&other), None).await.status, 401);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200);
}

/// Sets both protections with the factors chosen for each (a step-up by SMS first).
async fn choose(app: &TestApp, token: &str, phone: &str, body: serde_json::Value) -> Reply {
    assert_eq!(app.step_up_by_sms(token, phone).await.status, 201);
    app.call("PUT", "/v1/security/protection", Some(token), Some(body)).await
}

#[tokio::test]
async fn virtual_mfa_alone_for_login_protection_and_then_sms_does_not_pass() {
    // LOGIN-3, MFA-1 (issue 9, following the seed: 你可以选择1种或2种双因素验证方式)
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let (secret, _) = app.bind_totp(&token, &phone).await;
    let body = json!({"login_protection": true, "operation_protection": true, "login_factors": ["totp"]});
    let set = choose(&app, &token, &phone, body).await;
    assert_eq!(set.status, 204, "{:?}", set.body);
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["login_factors"], json!(["totp"]));
    assert_eq!(security.body["operation_factors"], json!(["sms", "totp"]), "left out: unchanged (both)");

    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.status, 202, "{:?}", pending.body);
    assert_eq!(pending.body["factors"], json!(["totp", "recovery_code"]));
    let flow = pending.body["sign_in_id"].clone();
    app.clock.advance(Duration::seconds(61));
    let sms = app.state().services.sandbox_sms().unwrap();
    let sent_before = sms.messages(None).len();
    let send = app.call("POST", "/v1/sessions/second-factor/sms-codes", None, Some(json!({"sign_in_id": flow}))).await;
    assert_eq!((send.status, send.code()), (403, "FACTOR_NOT_CHOSEN"), "{:?}", send.body);
    assert_eq!(send.body["error"]["details"]["factors"], json!(["totp", "recovery_code"]));
    assert_eq!(sms.messages(None).len(), sent_before, "no code is sent");
    let (challenge, code) = app.seed_code_for(&phone, Purpose::SignIn).await;
    let by_sms = json!({"sign_in_id": flow, "factor": "sms", "challenge_id": challenge, "code": code});
    let refused = app.call("POST", "/v1/sessions/second-factor", None, Some(by_sms)).await;
    assert_eq!((refused.status, refused.code()), (403, "FACTOR_NOT_CHOSEN"), "a right SMS code does not pass");
    let by_totp = json!({"sign_in_id": flow, "factor": "totp", "code": totp_code(&app, &secret, 0)});
    let done = app.call("POST", "/v1/sessions/second-factor", None, Some(by_totp)).await;
    assert_eq!(done.status, 201, "{:?}", done.body);
}

#[tokio::test]
async fn virtual_mfa_alone_for_operation_protection_and_then_sms_does_not_step_up() {
    // MFA-1, MFA-2
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let (secret, _) = app.bind_totp(&token, &phone).await;
    let body = json!({"login_protection": false, "operation_protection": true, "operation_factors": ["totp"]});
    assert_eq!(choose(&app, &token, &phone, body).await.status, 204);
    app.clock.advance(Duration::minutes(6));

    let refused = app.call("POST", "/v1/mfa/recovery-codes", Some(&token), None).await;
    assert_eq!(refused.code(), "STEP_UP_REQUIRED");
    assert_eq!(refused.body["error"]["details"]["factors"], json!(["totp", "recovery_code"]));
    let send = app.call("POST", "/v1/step-up/sms-codes", Some(&token), None).await;
    assert_eq!((send.status, send.code()), (403, "FACTOR_NOT_CHOSEN"), "{:?}", send.body);
    let (challenge, code) = app.seed_code_for(&phone, Purpose::StepUp).await;
    let by_sms = json!({"factor": "sms", "challenge_id": challenge, "code": code});
    assert_eq!(app.call("POST", "/v1/step-up", Some(&token), Some(by_sms)).await.code(), "FACTOR_NOT_CHOSEN");
    let by_totp = json!({"factor": "totp", "code": totp_code(&app, &secret, 0)});
    assert_eq!(app.call("POST", "/v1/step-up", Some(&token), Some(by_totp)).await.status, 201);
    assert_eq!(app.call("POST", "/v1/mfa/recovery-codes", Some(&token), None).await.status, 201);

    // Unbinding the device leaves SMS, the only factor remaining.
    app.clock.advance(Duration::seconds(30));
    let unbind = json!({"code": totp_code(&app, &secret, 0)});
    assert_eq!(app.call("POST", "/v1/mfa/totp/unbind", Some(&token), Some(unbind)).await.status, 200);
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["operation_factors"], json!(["sms"]));
    app.clock.advance(Duration::minutes(6));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
}

#[tokio::test]
async fn sms_alone_refuses_the_virtual_mfa_and_both_accept_either() {
    // MFA-1: with both, either passes (用户同时开启以上2种双因素认证方式时，只要任一验证通过即可)
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let (secret, _) = app.bind_totp(&token, &phone).await;
    let body = json!({"login_protection": true, "operation_protection": true, "login_factors": ["sms"]});
    assert_eq!(choose(&app, &token, &phone, body).await.status, 204);
    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.body["factors"], json!(["sms"]));
    let by_totp =
        json!({"sign_in_id": pending.body["sign_in_id"], "factor": "totp", "code": totp_code(&app, &secret, 0)});
    assert_eq!(app.call("POST", "/v1/sessions/second-factor", None, Some(by_totp)).await.code(), "FACTOR_NOT_CHOSEN");

    let body = json!({"login_protection": true, "operation_protection": true, "login_factors": ["totp", "sms"]});
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(body)).await.status, 204);
    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.body["factors"], json!(["sms", "totp", "recovery_code"]));
    app.clock.advance(Duration::seconds(30));
    let by_totp =
        json!({"sign_in_id": pending.body["sign_in_id"], "factor": "totp", "code": totp_code(&app, &secret, 0)});
    assert_eq!(app.call("POST", "/v1/sessions/second-factor", None, Some(by_totp)).await.status, 201);

    for (factors, code) in [(json!([]), "INVALID_FIELD"), (json!(["recovery_code"]), "INVALID_FIELD")] {
        let body = json!({"login_protection": true, "operation_protection": true, "login_factors": factors});
        let refused = app.call("PUT", "/v1/security/protection", Some(&token), Some(body)).await;
        assert_eq!((refused.status, refused.code()), (422, code));
    }
}

#[tokio::test]
async fn virtual_mfa_alone_needs_a_bound_device() {
    // MFA-1, MFA-3
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let body = json!({"login_protection": true, "operation_protection": true, "operation_factors": ["totp"]});
    let refused = choose(&app, &token, &phone, body).await;
    assert_eq!((refused.status, refused.code()), (409, "TOTP_NOT_BOUND"), "{:?}", refused.body);
    assert_eq!(refused.body["error"]["details"]["bind"], "POST /v1/mfa/totp");
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(
        (security.body["login_protection"].clone(), security.body["operation_factors"].clone()),
        (json!(false), json!(["sms", "totp"]))
    );
}
