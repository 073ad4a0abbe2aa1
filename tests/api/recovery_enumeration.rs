//! Recovery answers reveal nothing [REC-4] (issue 9, item 3): before the code proves the phone,
//! every answer is the same whether or not an account matched (status, body shape, headers), the
//! codes leave from the outbox worker after the answer, and each flow has one try counter.

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};
use shared::usecases::recovery::sandbox_captcha_answer;
use std::collections::BTreeSet;

async fn captcha(app: &TestApp) -> (String, String) {
    let c = app.call("POST", "/v1/captchas", None, None).await;
    let id = c.body["captcha_id"].as_str().unwrap().to_owned();
    let answer = sandbox_captcha_answer(&app.state().services, &id).await.unwrap().unwrap();
    (id, answer)
}

async fn start(app: &TestApp, path: &str, mut body: Value) -> Reply {
    let (id, answer) = captcha(app).await;
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(answer);
    app.call("POST", path, None, Some(body)).await
}

/// What a reply shows apart from its fresh ids: status, error code, body keys, header names.
fn shape(r: &Reply) -> (u16, String, BTreeSet<String>, BTreeSet<String>) {
    let keys = r.body.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let headers = r.headers.keys().map(|k| k.as_str().to_owned()).collect();
    (r.status, r.code().to_owned(), keys, headers)
}

#[tokio::test]
async fn password_reset_starts_answer_alike_for_an_account_and_for_nobody_also_when_repeated() {
    // REC-4
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    let ghost = unique_username();
    app.clock.advance(Duration::seconds(61));
    for round in 0..2 {
        // The second round comes within the phone's 60 s send spacing: no code leaves, silently.
        let real = start(&app, "/v1/password-resets", json!({"account": username})).await;
        let none = start(&app, "/v1/password-resets", json!({"account": ghost})).await;
        assert_eq!(real.status, 202, "round {round}: {:?}", real.body);
        assert_eq!(shape(&real), shape(&none), "round {round}");
    }
}

#[tokio::test]
async fn a_weak_password_with_a_wrong_code_answers_alike_for_an_account_and_for_nobody() {
    // REC-4
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let real = start(&app, "/v1/password-resets", json!({"account": username})).await;
    let none = start(&app, "/v1/password-resets", json!({"account": unique_username()})).await;
    let complete = |reply: &Reply| {
        let path = format!("/v1/password-resets/{}/complete", reply.body["reset_id"].as_str().unwrap());
        let app = &app;
        async move { app.call("POST", &path, None, Some(json!({"code": "000000", "new_password": "password1"}))).await }
    };
    let (real, none) = (complete(&real).await, complete(&none).await);
    assert_eq!((real.status, real.code()), (400, "CODE_MISMATCH"), "{:?}", real.body);
    assert_eq!(shape(&real), shape(&none));
    assert_eq!(real.body["error"]["details"], none.body["error"]["details"]);
}

#[tokio::test]
async fn a_lookup_counts_one_try_counter_whichever_phone_is_tried() {
    // REC-4
    let app = spawn_app().await;
    let (_, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let started = start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": phone})).await;
    assert_eq!(started.status, 202, "{:?}", started.body);
    let id = started.body["lookup_id"].as_str().unwrap().to_owned();
    let code = app.outbox_code(&phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify = |p: String| {
        let (app, id) = (&app, &id);
        async move {
            let body = json!({"phone": p, "code": wrong});
            app.call("POST", &format!("/v1/account-lookups/{id}/verify"), None, Some(body)).await
        }
    };
    let left = |r: &Reply| r.body["error"]["details"]["attempts_left"].clone();
    assert_eq!(left(&verify(unique_phone()).await), json!(4));
    assert_eq!(left(&verify(phone.clone()).await), json!(3), "the bound phone shows no fresh counter");
    assert_eq!(left(&verify(unique_phone()).await), json!(2));
}

#[tokio::test]
async fn a_lookup_that_matches_nothing_sends_nothing_and_answers_the_same() {
    // REC-4
    let app = spawn_app().await;
    let (_, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let sms = app.state().services.sandbox_sms().unwrap();
    let before = sms.messages(None).len();
    let none = start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": unique_phone()})).await;
    assert_eq!(sms.messages(None).len(), before, "the decoy's message is discarded by the worker");
    let real = start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": phone})).await;
    assert_eq!(sms.messages(None).len(), before + 1);
    assert_eq!(shape(&real), shape(&none));
}

#[tokio::test]
async fn a_strangers_lookups_do_not_spend_the_owners_codes() {
    // LOGIN-6, REC-4 (issue 9, item 4): budgets per purpose, anonymous ones per asker too
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let stranger = "203.0.113.66";
    for _ in 0..9 {
        app.clock.advance(Duration::seconds(61));
        let (id, answer) = captcha(&app).await;
        let body = json!({"by": "phone", "phone": phone, "captcha_id": id, "captcha_answer": answer});
        let r =
            app.call_from(stranger, "POST", "/v1/account-lookups", None, bytes::Bytes::from(body.to_string())).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    let sms = app.state().services.sandbox_sms().unwrap();
    let lookups = sms.messages(Some(&phone)).len();
    assert!(lookups <= 1 + 5, "at most five lookup codes a day for one asker (plus registration's): {lookups}");
    let step_up = app.call("POST", "/v1/step-up/sms-codes", Some(&token), None).await;
    assert_eq!(step_up.status, 202, "the owner's own step-up still gets a code: {:?}", step_up.body);
    let reset = start(&app, "/v1/password-resets", json!({"account": username})).await;
    assert_eq!(reset.status, 202);
    assert_eq!(sms.messages(Some(&phone)).len(), lookups + 2, "and the owner's own password reset too");
}
