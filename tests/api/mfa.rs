//! Virtual MFA: binding, unbinding, single use, recovery codes [MFA-1, MFA-3, MFA-4, MFA-6].

use api_tests::*;
use serde_json::json;

#[tokio::test]
async fn binding_shows_uri_secret_and_qr_and_needs_two_consecutive_codes() {
    // MFA-3
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let started = app.call("POST", "/v1/mfa/totp", Some(&token), None).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let secret = started.body["secret"].as_str().unwrap().to_owned();
    let uri = started.body["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with(&format!("otpauth://totp/Cloud:{username}?")) && uri.contains(&secret), "{uri}");
    assert!(started.body["qr_code"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    let binding = started.body["binding_id"].clone();
    let confirm =
        |first: String, second: String| json!({"binding_id": binding, "first_code": first, "second_code": second});

    let wrong =
        app.call("POST", "/v1/mfa/totp/confirm", Some(&token), Some(confirm("000000".into(), "999999".into()))).await;
    assert_eq!(wrong.code(), "SECOND_FACTOR_INVALID");
    let same_twice = confirm(totp_code(&app, &secret, 0), totp_code(&app, &secret, 0));
    assert_eq!(
        app.call("POST", "/v1/mfa/totp/confirm", Some(&token), Some(same_twice)).await.code(),
        "SECOND_FACTOR_INVALID"
    );
    let apart = confirm(totp_code(&app, &secret, -2), totp_code(&app, &secret, 0));
    assert_eq!(
        app.call("POST", "/v1/mfa/totp/confirm", Some(&token), Some(apart)).await.code(),
        "SECOND_FACTOR_INVALID"
    );
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], false, "nothing bound by the refusals");

    let good = confirm(totp_code(&app, &secret, -1), totp_code(&app, &secret, 0));
    let bound = app.call("POST", "/v1/mfa/totp/confirm", Some(&token), Some(good.clone())).await;
    assert_eq!(bound.status, 201, "{:?}", bound.body);
    assert_eq!(bound.body["recovery_codes"].as_array().unwrap().len(), 10);
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], true);
    assert_eq!(security.body["recovery_codes_left"], 10);
    assert_eq!(security.body["factors"], json!(["sms", "totp", "recovery_code"]));
    assert_eq!(
        app.call("POST", "/v1/mfa/totp/confirm", Some(&token), Some(good)).await.code(),
        "TOTP_BINDING_INVALID",
        "a binding completes once"
    );
}

#[tokio::test]
async fn a_totp_code_is_accepted_once() {
    // MFA-6
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let (secret, _) = app.bind_totp(&token, &phone).await;
    let code = totp_code(&app, &secret, 0);
    let first = app.call("POST", "/v1/step-up", Some(&token), Some(json!({"factor": "totp", "code": code}))).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let replay = app.call("POST", "/v1/step-up", Some(&token), Some(json!({"factor": "totp", "code": code}))).await;
    assert_eq!((replay.status, replay.code()), (400, "SECOND_FACTOR_INVALID"));
}

#[tokio::test]
async fn a_recovery_code_works_in_place_of_totp_once() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let (_, codes) = app.bind_totp(&token, &phone).await;
    let typed = codes[3].to_uppercase();
    let used =
        app.call("POST", "/v1/step-up", Some(&token), Some(json!({"factor": "recovery_code", "code": typed}))).await;
    assert_eq!(used.status, 201, "{:?}", used.body);
    let again =
        app.call("POST", "/v1/step-up", Some(&token), Some(json!({"factor": "recovery_code", "code": codes[3]}))).await;
    assert_eq!(again.code(), "SECOND_FACTOR_INVALID");
    assert_eq!(app.call("GET", "/v1/security", Some(&token), None).await.body["recovery_codes_left"], 9);
}

#[tokio::test]
async fn recovery_codes_are_regenerated_under_step_up_and_old_ones_die() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let (_, old) = app.bind_totp(&token, &phone).await;
    app.clock.advance(chrono::Duration::minutes(6));
    let refused = app.call("POST", "/v1/mfa/recovery-codes", Some(&token), None).await;
    assert_eq!((refused.status, refused.code()), (403, "STEP_UP_REQUIRED"));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let fresh = app.call("POST", "/v1/mfa/recovery-codes", Some(&token), None).await;
    assert_eq!(fresh.status, 201);
    let old_code =
        app.call("POST", "/v1/step-up", Some(&token), Some(json!({"factor": "recovery_code", "code": old[0]}))).await;
    assert_eq!(old_code.code(), "SECOND_FACTOR_INVALID");
    let new_code = fresh.body["recovery_codes"][0].as_str().unwrap();
    assert_eq!(
        app.call("POST", "/v1/step-up", Some(&token), Some(json!({"factor": "recovery_code", "code": new_code})))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn unbinding_needs_step_up_and_a_current_code() {
    // MFA-4
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let other = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let (secret, _) = app.bind_totp(&token, &phone).await;
    app.clock.advance(chrono::Duration::minutes(6));
    let code = totp_code(&app, &secret, 0);
    let refused = app.call("POST", "/v1/mfa/totp/unbind", Some(&token), Some(json!({"code": code}))).await;
    assert_eq!(refused.code(), "STEP_UP_REQUIRED");
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let stale = totp_code(&app, &secret, -5);
    assert_eq!(
        app.call("POST", "/v1/mfa/totp/unbind", Some(&token), Some(json!({"code": stale}))).await.code(),
        "SECOND_FACTOR_INVALID"
    );
    let code = totp_code(&app, &secret, 0);
    let unbound = app
        .call("POST", "/v1/mfa/totp/unbind", Some(&token), Some(json!({"code": code, "revoke_other_sessions": true})))
        .await;
    assert_eq!(unbound.status, 200, "{:?}", unbound.body);
    assert_eq!(unbound.body["sessions_revoked"], 1);
    assert_eq!(
        app.call("GET", "/v1/accounts/me", Some(&other), None).await.status,
        401,
        "the other session was signed out"
    );
    assert_eq!(app.call("GET", "/v1/security", Some(&token), None).await.body["totp_bound"], false);
}

#[tokio::test]
async fn a_totp_check_before_binding_offers_the_binding_inline() {
    // MFA-3: inline binding
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let asked = app.call("POST", "/v1/step-up", Some(&token), Some(json!({"factor": "totp", "code": "123456"}))).await;
    assert_eq!((asked.status, asked.code()), (409, "TOTP_NOT_BOUND"));
    assert_eq!(asked.body["error"]["details"]["bind"], "POST /v1/mfa/totp");
    // Binding inline leaves the session stepped up by the new device.
    let _ = app.bind_totp(&token, &phone).await;
    app.clock.advance(chrono::Duration::minutes(6));
    let (_, other_phone, other) = app.signed_in_user().await;
    let _ = other_phone;
    assert_eq!(
        app.call(
            "PUT",
            "/v1/security/protection",
            Some(&other),
            Some(json!({"login_protection": true, "operation_protection": true}))
        )
        .await
        .code(),
        "STEP_UP_REQUIRED"
    );
}
