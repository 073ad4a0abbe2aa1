//! Account and security information: basic information, bound phone, bound email,
//! notifications [ACC-1, ACC-2, ACC-3, ACC-5].

use api_tests::*;
use chrono::Duration;
use serde_json::json;

fn masked(phone: &str) -> String {
    format!("+86 {}****{}", &phone[3..6], &phone[10..])
}

#[tokio::test]
async fn basic_information_is_edited_and_read_back() {
    // ACC-1
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let body = json!({"display_name": "  Li Lei ", "company": "Example Tech Ltd", "contact_address": "1 Zhongguancun St, Beijing"});
    let set = app.call("PUT", "/v1/accounts/me/profile", Some(&token), Some(body)).await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(
        me.body["profile"],
        json!({"display_name": "Li Lei", "company": "Example Tech Ltd", "contact_address": "1 Zhongguancun St, Beijing"})
    );
    let too_long =
        app.call("PUT", "/v1/accounts/me/profile", Some(&token), Some(json!({"display_name": "x".repeat(51)}))).await;
    assert_eq!((too_long.status, too_long.code()), (422, "INVALID_FIELD"));
}

#[tokio::test]
async fn sms_notifications_are_turned_off_per_product() {
    // ACC-5
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["notifications"]["sms"]["billing"], true, "on by default");
    let set = app
        .call(
            "PUT",
            "/v1/accounts/me/notifications",
            Some(&token),
            Some(json!({"sms": {"billing": false, "compute": false}})),
        )
        .await;
    assert_eq!(set.body["sms"]["billing"], false);
    let set =
        app.call("PUT", "/v1/accounts/me/notifications", Some(&token), Some(json!({"sms": {"compute": true}}))).await;
    assert_eq!((set.body["sms"]["billing"].clone(), set.body["sms"]["compute"].clone()), (json!(false), json!(true)));
    let unknown =
        app.call("PUT", "/v1/accounts/me/notifications", Some(&token), Some(json!({"sms": {"lottery": false}}))).await;
    assert_eq!((unknown.status, unknown.code()), (422, "INVALID_FIELD"));
}

#[tokio::test]
async fn the_bound_phone_changes_with_a_code_to_the_old_then_the_new() {
    // ACC-2
    let app = spawn_app().await;
    let (username, old_phone, token) = app.signed_in_user().await;
    let refused = app.call("POST", "/v1/accounts/me/phone-changes", Some(&token), None).await;
    assert_eq!(refused.code(), "STEP_UP_REQUIRED", "changing the phone is operation-protected");
    assert_eq!(app.step_up_by_sms(&token, &old_phone).await.status, 201);
    app.clock.advance(Duration::seconds(61));
    let started = app.call("POST", "/v1/accounts/me/phone-changes", Some(&token), None).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    assert_eq!(started.body["sent_to"], masked(&old_phone));
    let change = started.body["change_id"].as_str().unwrap().to_owned();
    let old_code = app.outbox_code(&old_phone);
    let new_phone = unique_phone();
    let wrong = if old_code == "000000" { "111111" } else { "000000" };
    let bad = app
        .call(
            "POST",
            &format!("/v1/accounts/me/phone-changes/{change}/old-phone"),
            Some(&token),
            Some(json!({"code": wrong, "new_phone": new_phone})),
        )
        .await;
    assert_eq!(bad.code(), "CODE_MISMATCH");
    let early = app
        .call(
            "POST",
            &format!("/v1/accounts/me/phone-changes/{change}/new-phone"),
            Some(&token),
            Some(json!({"code": "123456"})),
        )
        .await;
    assert_eq!(early.code(), "CODE_NOT_FOUND", "the new phone's step comes second");
    let old_ok = app
        .call(
            "POST",
            &format!("/v1/accounts/me/phone-changes/{change}/old-phone"),
            Some(&token),
            Some(json!({"code": old_code, "new_phone": new_phone})),
        )
        .await;
    assert_eq!(old_ok.status, 200, "{:?}", old_ok.body);
    assert_eq!(old_ok.body["sent_to"], masked(&new_phone));
    let new_code = app.outbox_code(&new_phone);
    let done = app
        .call(
            "POST",
            &format!("/v1/accounts/me/phone-changes/{change}/new-phone"),
            Some(&token),
            Some(json!({"code": new_code})),
        )
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["phone"], masked(&new_phone));
    // The second factor now goes to the new phone.
    app.clock.advance(Duration::minutes(6));
    assert_eq!(app.step_up_by_sms(&token, &new_phone).await.status, 201);
    let _ = username;
}

#[tokio::test]
async fn a_phone_change_respects_the_ten_accounts_per_phone() {
    // ACC-2 with REG-2
    let app = spawn_app().await;
    let full = unique_phone();
    for _ in 0..10 {
        let (challenge, code) = app.seed_code(&full).await;
        assert_eq!(app.register_with(&unique_username(), PASSWORD, &full, &challenge, &code).await.status, 201);
    }
    let (_, phone, token) = app.signed_in_user().await;
    app.step_up_by_sms(&token, &phone).await;
    app.clock.advance(Duration::seconds(61));
    let change = app.call("POST", "/v1/accounts/me/phone-changes", Some(&token), None).await.body["change_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"code": app.outbox_code(&phone), "new_phone": full});
    app.call("POST", &format!("/v1/accounts/me/phone-changes/{change}/old-phone"), Some(&token), Some(body)).await;
    let body = json!({"code": app.outbox_code(&full)});
    let refused =
        app.call("POST", &format!("/v1/accounts/me/phone-changes/{change}/new-phone"), Some(&token), Some(body)).await;
    assert_eq!((refused.status, refused.code()), (409, "PHONE_ACCOUNT_LIMIT"));
    assert_eq!(
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["phone"],
        masked(&phone),
        "nothing changed"
    );
}

#[tokio::test]
async fn an_email_is_bound_by_a_code_to_it_and_changing_it_is_protected() {
    // ACC-3
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let email = format!("{}@example.com", unique_username());
    let sent = app.call("POST", "/v1/accounts/me/email-codes", Some(&token), Some(json!({"email": email}))).await;
    assert_eq!(sent.status, 202, "{:?}", sent.body);
    let code = app.state().services.sandbox_email().unwrap().latest_code(&email).unwrap();
    let body = json!({"email": email, "challenge_id": sent.body["challenge_id"], "code": code});
    let bound = app.call("PUT", "/v1/accounts/me/email", Some(&token), Some(body)).await;
    assert_eq!(bound.status, 200, "{:?}", bound.body);
    let shown = app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["email"].as_str().unwrap().to_owned();
    assert!(shown.contains('*') && shown.ends_with("@example.com"), "{shown}");

    let other = format!("{}@example.org", unique_username());
    assert_eq!(
        app.call("POST", "/v1/accounts/me/email-codes", Some(&token), Some(json!({"email": other}))).await.code(),
        "STEP_UP_REQUIRED"
    );
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let sent = app.call("POST", "/v1/accounts/me/email-codes", Some(&token), Some(json!({"email": other}))).await;
    // A code sent to another address does not bind this one.
    let body = json!({"email": email, "challenge_id": sent.body["challenge_id"], "code": app.state().services.sandbox_email().unwrap().latest_code(&other).unwrap()});
    assert_eq!(app.call("PUT", "/v1/accounts/me/email", Some(&token), Some(body)).await.code(), "CODE_MISMATCH");
    let bad =
        app.call("POST", "/v1/accounts/me/email-codes", Some(&token), Some(json!({"email": "not-an-email"}))).await;
    assert_eq!((bad.status, bad.code()), (422, "INVALID_FIELD"));
}

#[tokio::test]
async fn the_username_can_never_be_changed() {
    // REG-5: no route takes a username after registration
    let app = spawn_app().await;
    let (username, _, token) = app.signed_in_user().await;
    let reply =
        app.call("PUT", "/v1/accounts/me/profile", Some(&token), Some(json!({"username": "someone_else"}))).await;
    assert_eq!((reply.status, reply.code()), (422, "INVALID_FIELD"));
    assert_eq!(reply.body["error"]["details"]["field"], "username");
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["username"], username);
    assert!(!functions::fallback::KNOWN_ROUTES.iter().any(|(_, p)| p.contains("username")));
}
