//! Recovery: forgotten passwords and forgotten accounts [REC-1..REC-4].

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};
use shared::domain::password::Password;
use shared::domain::phone::Phone;
use shared::ports::ResourceKind;
use shared::usecases::captcha::sandbox_captcha_answer;
use shared::usecases::passport::import_passport_account;

async fn captcha(app: &TestApp) -> (String, String) {
    let c = app.call("POST", "/v1/captchas", None, None).await;
    assert_eq!(c.status, 201, "{:?}", c.body);
    assert!(c.body["image"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    let id = c.body["captcha_id"].as_str().unwrap().to_owned();
    let answer = sandbox_captcha_answer(&app.state().services, &id).await.unwrap().unwrap();
    (id, answer)
}

async fn start_reset(app: &TestApp, account: &str) -> Reply {
    let (id, answer) = captcha(app).await;
    app.call(
        "POST",
        "/v1/password-resets",
        None,
        Some(json!({"account": account, "captcha_id": id, "captcha_answer": answer.to_lowercase()})),
    )
    .await
}

fn sms_count(app: &TestApp) -> usize {
    app.state().services.sandbox_sms().unwrap().messages(None).len()
}

#[tokio::test]
async fn a_cloud_account_resets_its_password_with_captcha_and_sms() {
    // REC-2
    let app = spawn_app().await;
    let (username, phone, old_token) = app.signed_in_user().await;
    let (id, answer) = captcha(&app).await;
    let wrong = app
        .call(
            "POST",
            "/v1/password-resets",
            None,
            Some(json!({"account": username, "captcha_id": id, "captcha_answer": "XXXXX"})),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (400, "CAPTCHA_INVALID"));
    let reused = app
        .call(
            "POST",
            "/v1/password-resets",
            None,
            Some(json!({"account": username, "captcha_id": id, "captcha_answer": answer})),
        )
        .await;
    assert_eq!(reused.code(), "CAPTCHA_INVALID", "a captcha is checked once");

    app.clock.advance(Duration::seconds(61));
    let started = start_reset(&app, &username).await;
    assert_eq!(started.status, 202, "{:?}", started.body);
    let reset = started.body["reset_id"].as_str().unwrap().to_owned();
    let code = app.outbox_code(&phone);
    let complete = |code: &str, pw: &str| json!({"code": code, "new_password": pw});
    let path = format!("/v1/password-resets/{reset}/complete");
    assert_eq!(app.call("POST", &path, None, Some(complete(&code, "password1"))).await.code(), "WEAK_PASSWORD");
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        app.call("POST", &path, None, Some(complete(wrong_code, "Quiet-Lantern-77"))).await.code(),
        "CODE_MISMATCH"
    );
    let done = app.call("POST", &path, None, Some(complete(&code, "Quiet-Lantern-77"))).await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&old_token), None).await.status, 401, "every session ended");
    assert_eq!(app.sign_in(&username, PASSWORD).await.code(), "INVALID_CREDENTIALS");
    assert_eq!(app.sign_in(&username, "Quiet-Lantern-77").await.status, 201);
}

#[tokio::test]
async fn an_unknown_account_gets_the_same_answer_and_no_code() {
    // REC-4
    let app = spawn_app().await;
    let before = sms_count(&app);
    let started = start_reset(&app, &unique_username()).await;
    assert_eq!(started.status, 202);
    let keys: Vec<&String> = started.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["message", "methods", "reset_id"]);
    assert_eq!(sms_count(&app), before, "nothing was sent");
    let path = format!("/v1/password-resets/{}/complete", started.body["reset_id"].as_str().unwrap());
    let reply =
        app.call("POST", &path, None, Some(json!({"code": "123456", "new_password": "Quiet-Lantern-77"}))).await;
    assert_eq!(reply.code(), "CODE_MISMATCH", "as for a wrong code");
}

#[tokio::test]
async fn a_passport_account_resets_its_password_by_phone() {
    // REC-1
    let app = spawn_app().await;
    let phone = unique_phone();
    import_passport_account(
        &app.state().services,
        &Phone::parse(&phone).unwrap(),
        None,
        None,
        Some(&Password::new(PASSWORD.into())),
    )
    .await
    .unwrap();
    let started = start_reset(&app, &phone).await;
    let reset = started.body["reset_id"].as_str().unwrap();
    let body = json!({"code": app.outbox_code(&phone), "new_password": "Quiet-Lantern-77"});
    assert_eq!(app.call("POST", &format!("/v1/password-resets/{reset}/complete"), None, Some(body)).await.status, 200);
    assert_eq!(app.sign_in(&phone, "Quiet-Lantern-77").await.status, 201);
}

async fn lookup(app: &TestApp, described: Value) -> String {
    let (id, answer) = captcha(app).await;
    let mut body = described;
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(answer);
    let reply = app.call("POST", "/v1/account-lookups", None, Some(body)).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    assert!(reply.body.get("accounts").is_none(), "nothing is listed before the phone is proven");
    reply.body["lookup_id"].as_str().unwrap().to_owned()
}

async fn verify(app: &TestApp, lookup_id: &str, phone: &str, code: &str) -> Reply {
    app.call(
        "POST",
        &format!("/v1/account-lookups/{lookup_id}/verify"),
        None,
        Some(json!({"phone": phone, "code": code})),
    )
    .await
}

fn usernames(reply: &Reply) -> Vec<String> {
    let mut names: Vec<String> = reply.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["username"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn accounts_are_found_by_phone_after_its_code() {
    // REC-3, REC-4
    let app = spawn_app().await;
    let phone = unique_phone();
    let mut names = vec![unique_username(), unique_username()];
    for name in &names {
        let (challenge, code) = app.seed_code(&phone).await;
        assert_eq!(app.register_with(name, PASSWORD, &phone, &challenge, &code).await.status, 201);
    }
    names.sort();
    let id = lookup(&app, json!({"by": "phone", "phone": phone})).await;
    let code = app.outbox_code(&phone);
    assert_eq!(verify(&app, &id, &unique_phone(), &code).await.code(), "CODE_MISMATCH", "another phone proves nothing");
    let found = verify(&app, &id, &phone, &code).await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(usernames(&found), names);

    let before = sms_count(&app);
    let nobody = lookup(&app, json!({"by": "phone", "phone": unique_phone()})).await;
    assert_eq!(sms_count(&app), before, "a phone without accounts gets no code, and the answer is the same");
    assert_eq!(verify(&app, &nobody, &phone, "123456").await.code(), "CODE_MISMATCH");
}

#[tokio::test]
async fn an_account_is_found_by_account_id_identity_or_server() {
    // REC-3
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let account_id =
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["account_id"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::seconds(61));
    let id = lookup(&app, json!({"by": "account_id", "account_id": account_id})).await;
    assert_eq!(usernames(&verify(&app, &id, &phone, &app.outbox_code(&phone)).await), std::slice::from_ref(&username));

    let document = unique_id_number();
    let started = app.start_face(&token, "欧阳锋", &document).await;
    assert_eq!(app.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    app.clock.advance(Duration::seconds(61));
    let before = sms_count(&app);
    lookup(
        &app,
        json!({"by": "identity", "name": "欧阳克", "document_type": "mainland_id_card", "id_number": document}),
    )
    .await;
    assert_eq!(sms_count(&app), before, "the name must match too");
    let id = lookup(
        &app,
        json!({"by": "identity", "name": "欧阳锋", "document_type": "mainland_id_card", "id_number": document}),
    )
    .await;
    assert_eq!(usernames(&verify(&app, &id, &phone, &app.outbox_code(&phone)).await), std::slice::from_ref(&username));

    app.state().services.sandbox_resources().unwrap().register(ResourceKind::ServerIp, "203.0.113.7", &account_id);
    app.clock.advance(Duration::seconds(61));
    let id = lookup(&app, json!({"by": "server_ip", "value": "203.0.113.7"})).await;
    assert_eq!(usernames(&verify(&app, &id, &phone, &app.outbox_code(&phone)).await), [username]);
}
