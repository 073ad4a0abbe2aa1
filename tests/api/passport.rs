//! Passport accounts: SMS sign-in-or-register, one per phone, activation on first sign-in, and
//! password sign-in by phone or email [REG-3, REG-4, LOGIN-2].

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};
use shared::domain::code::Purpose;
use shared::domain::email::Email;
use shared::domain::password::Password;
use shared::domain::phone::Phone;
use shared::domain::username::Username;
use shared::usecases::passport::{import_legacy_cloud_account, import_passport_account};

async fn sms_sign_in(app: &TestApp, phone: &str, agreements: Option<Value>) -> Reply {
    let (challenge, code) = app.seed_code_for(phone, Purpose::PassportSignIn).await;
    let mut body = json!({"phone": phone, "challenge_id": challenge, "sms_code": code});
    if let Some(a) = agreements {
        body["agreements"] = a;
    }
    app.call("POST", "/v1/sessions/sms", None, Some(body)).await
}

fn token(reply: &Reply) -> String {
    reply.body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_sms_sign_in_registers_a_new_phone_and_signs_in_the_next_time() {
    // REG-3, LOGIN-2
    let app = spawn_app().await;
    let phone = unique_phone();
    let first = sms_sign_in(&app, &phone, Some(agreements())).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["activation_required"], false, "the agreements were just accepted");
    let me = app.call("GET", "/v1/accounts/me", Some(&token(&first)), None).await;
    assert_eq!(
        (me.body["kind"].clone(), me.body["activated"].clone(), me.body["username"].clone()),
        (json!("passport"), json!(true), Value::Null)
    );
    let again = sms_sign_in(&app, &phone, None).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    assert_eq!(again.body["account_id"], first.body["account_id"], "one passport account per phone");
}

#[tokio::test]
async fn registering_by_sms_needs_the_agreements_and_a_right_code() {
    let app = spawn_app().await;
    let phone = unique_phone();
    assert_eq!(sms_sign_in(&app, &phone, None).await.code(), "AGREEMENTS_REQUIRED");
    let (challenge, code) = app.seed_code_for(&phone, Purpose::PassportSignIn).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body = json!({"phone": phone, "challenge_id": challenge, "sms_code": wrong, "agreements": agreements()});
    assert_eq!(app.call("POST", "/v1/sessions/sms", None, Some(body)).await.code(), "CODE_MISMATCH");
    let body = json!({"phone": phone, "challenge_id": challenge, "sms_code": code, "agreements": agreements()});
    assert_eq!(app.call("POST", "/v1/sessions/sms", None, Some(body.clone())).await.status, 201);
    assert_eq!(app.call("POST", "/v1/sessions/sms", None, Some(body)).await.code(), "CODE_USED");
    let (challenge, code) = app.seed_code_for(&phone, Purpose::PassportSignIn).await;
    app.clock.advance(Duration::minutes(10));
    let body = json!({"phone": phone, "challenge_id": challenge, "sms_code": code});
    assert_eq!(app.call("POST", "/v1/sessions/sms", None, Some(body)).await.code(), "CODE_EXPIRED");
    // A registration code does not sign in.
    let (challenge, code) = app.seed_code(&phone).await;
    let body = json!({"phone": phone, "challenge_id": challenge, "sms_code": code});
    assert_eq!(app.call("POST", "/v1/sessions/sms", None, Some(body)).await.code(), "CODE_MISMATCH");
}

#[tokio::test]
async fn two_concurrent_sms_sign_ins_for_a_new_phone_create_one_passport_account() {
    // REG-3, enforced by the database under concurrency
    let app = spawn_app().await;
    let phone = unique_phone();
    let (c1, c2) = (
        app.seed_code_for(&phone, Purpose::PassportSignIn).await,
        app.seed_code_for(&phone, Purpose::PassportSignIn).await,
    );
    let body = |c: &(String, String)| json!({"phone": phone, "challenge_id": c.0, "sms_code": c.1, "agreements": agreements()});
    let (a, b) = tokio::join!(
        app.call("POST", "/v1/sessions/sms", None, Some(body(&c1))),
        app.call("POST", "/v1/sessions/sms", None, Some(body(&c2)))
    );
    assert_eq!((a.status, b.status), (201, 201), "{:?} {:?}", a.body, b.body);
    assert_eq!(a.body["account_id"], b.body["account_id"]);
    let second = import_passport_account(&app.state().services, &Phone::parse(&phone).unwrap(), None, None, None).await;
    assert!(second.is_err(), "a second passport account for the phone is refused");
}

#[tokio::test]
async fn an_imported_passport_account_must_be_activated_before_anything_else() {
    // REG-4
    let app = spawn_app().await;
    let phone = unique_phone();
    let imported =
        import_passport_account(&app.state().services, &Phone::parse(&phone).unwrap(), None, None, None).await.unwrap();
    let signed_in = sms_sign_in(&app, &phone, None).await;
    assert_eq!(signed_in.status, 201);
    assert_eq!(signed_in.body["activation_required"], true);
    let t = token(&signed_in);
    for (method, path) in [
        ("GET", "/v1/accounts/me"),
        ("GET", "/v1/sessions"),
        ("GET", "/v1/security"),
        ("POST", "/v1/step-up/sms-codes"),
    ] {
        let refused = app.call(method, path, Some(&t), None).await;
        assert_eq!((refused.status, refused.code()), (403, "ACTIVATION_REQUIRED"), "{method} {path}");
    }
    let partial = app
        .call("POST", "/v1/accounts/me/activation", Some(&t), Some(json!({"agreements": [agreements()[0].clone()]})))
        .await;
    assert_eq!(partial.code(), "AGREEMENTS_REQUIRED");
    let activated =
        app.call("POST", "/v1/accounts/me/activation", Some(&t), Some(json!({"agreements": agreements()}))).await;
    assert_eq!(activated.status, 200, "{:?}", activated.body);
    assert_eq!(activated.body["account_id"], imported, "the AccountId is bound for life");
    let me = app.call("GET", "/v1/accounts/me", Some(&t), None).await;
    assert_eq!((me.status, me.body["activated"].clone()), (200, json!(true)));
    assert_eq!(me.body["agreements"].as_array().unwrap().len(), 3);
    assert_eq!(sms_sign_in(&app, &phone, None).await.body["activation_required"], false, "activated for good");
}

#[tokio::test]
async fn a_passport_account_signs_in_with_phone_email_or_username_and_password() {
    // LOGIN-2
    let app = spawn_app().await;
    let phone = unique_phone();
    let email = format!("{}@example.com", unique_username());
    let name = unique_username();
    import_passport_account(
        &app.state().services,
        &Phone::parse(&phone).unwrap(),
        Some(&Username::parse(&name).unwrap()),
        Some(&Email::parse(&email).unwrap()),
        Some(&Password::new(PASSWORD.into())),
    )
    .await
    .unwrap();
    let by_phone = app.sign_in(&phone, PASSWORD).await;
    assert_eq!(by_phone.status, 201, "{:?}", by_phone.body);
    assert_eq!(by_phone.body["activation_required"], true);
    let by_national_number = app.sign_in(&phone[3..], PASSWORD).await;
    assert_eq!(by_national_number.status, 201, "the mainland number without +86 works too");
    let by_email = app.sign_in(&email.to_uppercase(), PASSWORD).await;
    assert_eq!(by_email.status, 201, "{:?}", by_email.body);
    assert_eq!(by_email.body["account_id"], by_phone.body["account_id"]);
    assert_eq!(app.sign_in(&phone, "Wrong-Password-1").await.code(), "INVALID_CREDENTIALS");
    let body = json!({"username": name.to_uppercase(), "password": PASSWORD, "account_type": "passport"});
    let by_name = app.call("POST", "/v1/sessions", None, Some(body)).await;
    assert_eq!(by_name.status, 201, "{:?}", by_name.body);
    assert_eq!(by_name.body["account_id"], by_phone.body["account_id"]);
    assert_eq!(
        app.sign_in(&name, PASSWORD).await.code(),
        "INVALID_CREDENTIALS",
        "a passport username is not a cloud username"
    );
}

#[tokio::test]
async fn a_legacy_cloud_account_is_activated_on_first_sign_in() {
    // REG-4
    let app = spawn_app().await;
    let username = unique_username();
    import_legacy_cloud_account(
        &app.state().services,
        &Username::parse(&username).unwrap(),
        &Password::new(PASSWORD.into()),
        &Phone::parse(&unique_phone()).unwrap(),
    )
    .await
    .unwrap();
    let signed_in = app.sign_in(&username, PASSWORD).await;
    assert_eq!(signed_in.body["activation_required"], true);
    let t = token(&signed_in);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&t), None).await.code(), "ACTIVATION_REQUIRED");
    assert_eq!(
        app.call("POST", "/v1/accounts/me/activation", Some(&t), Some(json!({"agreements": agreements()})))
            .await
            .status,
        200
    );
    let me = app.call("GET", "/v1/accounts/me", Some(&t), None).await;
    assert_eq!((me.body["kind"].clone(), me.body["username"].clone()), (json!("cloud"), json!(username)));
    assert_eq!(app.call("DELETE", "/v1/sessions/current", Some(&t), None).await.status, 204);
}

#[tokio::test]
async fn a_passport_account_takes_its_sign_in_names_along_when_phone_or_email_change() {
    // REG-3, ACC-2, ACC-3, LOGIN-2
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
    let t = token(&app.sign_in(&phone, PASSWORD).await);
    app.call("POST", "/v1/accounts/me/activation", Some(&t), Some(json!({"agreements": agreements()}))).await;

    let change_to = |new: String| {
        let app = &app;
        let t = t.clone();
        let phone = phone.clone();
        async move {
            app.step_up_by_sms(&t, &phone).await;
            app.clock.advance(Duration::seconds(61));
            let change = app.call("POST", "/v1/accounts/me/phone-changes", Some(&t), None).await.body["change_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let body = json!({"code": app.outbox_code(&phone), "new_phone": new});
            app.call("POST", &format!("/v1/accounts/me/phone-changes/{change}/old-phone"), Some(&t), Some(body)).await;
            let body = json!({"code": app.outbox_code(&new)});
            app.call("POST", &format!("/v1/accounts/me/phone-changes/{change}/new-phone"), Some(&t), Some(body)).await
        }
    };
    let new_phone = unique_phone();
    assert_eq!(change_to(new_phone.clone()).await.status, 200);
    assert_eq!(app.sign_in(&new_phone, PASSWORD).await.status, 201, "the new phone signs in");
    assert_eq!(app.sign_in(&phone, PASSWORD).await.code(), "INVALID_CREDENTIALS", "the old one no longer does");
    let again = sms_sign_in(&app, &phone, Some(agreements())).await;
    assert_ne!(
        again.body["account_id"],
        app.sign_in(&new_phone, PASSWORD).await.body["account_id"],
        "the old phone is free for a new passport account"
    );

    let email = format!("{}@example.com", unique_username());
    let sent = app.call("POST", "/v1/accounts/me/email-codes", Some(&t), Some(json!({"email": email}))).await;
    let code = app.state().services.sandbox_email().unwrap().latest_code(&email).unwrap();
    let bound = app
        .call(
            "PUT",
            "/v1/accounts/me/email",
            Some(&t),
            Some(json!({"email": email, "challenge_id": sent.body["challenge_id"], "code": code})),
        )
        .await;
    assert_eq!(bound.status, 200, "{:?}", bound.body);
    assert_eq!(app.sign_in(&email, PASSWORD).await.status, 201, "the bound email signs in");
}
