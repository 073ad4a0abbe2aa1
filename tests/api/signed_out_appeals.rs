//! Appeals filed signed out [MFA-5, ACC-4]: a person who passed the password but has lost the
//! device opens the MFA-unbind appeal from the sign-in's pending step; a person whose phone is
//! dead opens the rebind appeal from the recovery page. Both upload, submit and follow the appeal
//! with its id and secret, no session; from the recovery page nothing answers whether an account
//! matched [REC-4].

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};

pub(crate) async fn open(app: &TestApp, body: Value) -> Reply {
    app.call("POST", "/v1/signed-out-appeals", None, Some(body)).await
}

pub(crate) async fn with_secret(app: &TestApp, method: &str, path: &str, secret: &str, body: Option<Value>) -> Reply {
    app.call_with_headers(method, path, None, body, &[("x-appeal-secret", secret)]).await
}

/// Uploads a JPEG for each purpose under the appeal: `{purpose: upload id}`.
pub(crate) async fn appeal_material(app: &TestApp, id: &str, secret: &str, purposes: &[&str]) -> Value {
    let mut material = serde_json::Map::new();
    for purpose in purposes {
        let body = json!({ "purpose": purpose, "content_type": "image/jpeg", "size": 2048 });
        let started =
            with_secret(app, "POST", &format!("/v1/signed-out-appeals/{id}/uploads"), secret, Some(body)).await;
        assert_eq!(started.status, 201, "{:?}", started.body);
        material.insert((*purpose).to_owned(), json!(put_presigned(&started.body, jpeg(2048)).await));
    }
    Value::Object(material)
}

/// A user whose login protection asks for the virtual MFA device only, signed in with the
/// password: (username, the pending sign-in).
pub(crate) async fn stuck_at_the_second_factor(app: &TestApp) -> (String, Reply) {
    let (username, phone, token) = app.signed_in_user().await;
    app.bind_totp(&token, &phone).await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let only_totp = json!({"login_protection": true, "operation_protection": true, "login_factors": ["totp"]});
    let set = app.call("PUT", "/v1/security/protection", Some(&token), Some(only_totp)).await;
    assert_eq!(set.status, 204, "{:?}", set.body);
    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.status, 202, "{:?}", pending.body);
    (username, pending)
}

#[tokio::test]
async fn a_signed_out_appellant_asked_for_a_file_again_uploads_and_sends_it_with_the_secret() {
    let app = spawn_app().await;
    let (_, pending) = stuck_at_the_second_factor(&app).await;
    let opened = open(&app, json!({"kind": "mfa_unbind", "sign_in_id": pending.body["sign_in_id"]})).await;
    let (id, secret) = (opened.body["appeal_id"].as_str().unwrap(), opened.body["appeal_secret"].as_str().unwrap());
    let material = appeal_material(&app, id, secret, &APPEAL_MATERIAL).await;
    let submit = format!("/v1/signed-out-appeals/{id}/submission");
    let body = json!({"subject": "person", "material": material});
    assert_eq!(with_secret(&app, "POST", &submit, secret, Some(body)).await.status, 200);
    // Not asked for anything: no upload, no re-submission.
    let send = format!("/v1/signed-out-appeals/{id}/material");
    let early = with_secret(&app, "POST", &send, secret, Some(json!({"payment-proof": "x"}))).await;
    assert_eq!((early.status, early.code()), (409, "MATERIAL_NOT_REQUESTED"));
    let upload = json!({ "purpose": "payment-proof", "content_type": "image/jpeg", "size": 2048 });
    let uploads = format!("/v1/signed-out-appeals/{id}/uploads");
    assert_eq!(with_secret(&app, "POST", &uploads, secret, Some(upload)).await.code(), "APPEAL_NOT_DRAFTING");

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, _) = app.claim(&reviewer).await.expect("the appeal's case is on the queue");
    let ask = json!({"decision": "request_material", "reason": "the payment proof is cut off", "material": ["payment-proof"]});
    assert_eq!(app.decide(&reviewer, id, &claim, ask).await.status, 200);
    let read = progress(&app, id, secret).await;
    assert_eq!(read["state"], "awaiting_material");
    assert_eq!(read["material_request"]["material"], json!(["payment-proof"]));
    assert_eq!(read["material_request"]["reason"], "the payment proof is cut off");

    // A wrong secret finds nothing; the right one uploads and sends.
    let wrong = with_secret(&app, "POST", &send, &"0".repeat(64), Some(json!({}))).await;
    assert_eq!(wrong.status, 404);
    let again = appeal_material(&app, id, secret, &["payment-proof"]).await;
    let sent = with_secret(&app, "POST", &send, secret, Some(again)).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    assert_eq!(sent.body["state"], "in_review");
    let (claim, case) = app.claim(&reviewer).await.expect("back on the queue");
    assert_eq!((case["case_id"].as_str(), case["replaced_files"].as_u64()), (Some(id), Some(1)));
    assert_eq!(app.decide(&reviewer, id, &claim, json!({"decision": "approve"})).await.status, 200);
    assert_eq!(progress(&app, id, secret).await["state"], "approved");
}

async fn progress(app: &TestApp, id: &str, secret: &str) -> Value {
    let read = with_secret(app, "GET", &format!("/v1/signed-out-appeals/{id}"), secret, None).await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    read.body
}

#[tokio::test]
async fn a_person_who_lost_the_device_appeals_from_the_sign_in_and_signs_in_after_approval() {
    // MFA-5: the password passed, the second factor cannot.
    let app = spawn_app().await;
    let (username, pending) = stuck_at_the_second_factor(&app).await;
    let opened = open(&app, json!({"kind": "mfa_unbind", "sign_in_id": pending.body["sign_in_id"]})).await;
    assert_eq!(opened.status, 201, "{:?}", opened.body);
    let (id, secret) = (opened.body["appeal_id"].as_str().unwrap(), opened.body["appeal_secret"].as_str().unwrap());
    let listed: Vec<&str> =
        opened.body["material"]["person"].as_array().unwrap().iter().map(|m| m["purpose"].as_str().unwrap()).collect();
    assert_eq!(listed, APPEAL_MATERIAL);
    // Each file says what it must show (the seed): held, upper body; the organisation's MFA appeal: not held.
    assert!(opened.body["material"]["person"][0]["note"].as_str().unwrap().contains("上半身"));
    assert!(opened.body["material"]["enterprise"][0]["note"].as_str().unwrap().contains("无需要手持"));
    // Without its secret the appeal is not found.
    let foreign =
        with_secret(&app, "GET", &format!("/v1/signed-out-appeals/{id}"), "0".repeat(64).as_str(), None).await;
    assert_eq!(foreign.status, 404);
    assert_eq!(progress(&app, id, secret).await["state"], "drafting");

    let material = appeal_material(&app, id, secret, &APPEAL_MATERIAL).await;
    let path = format!("/v1/signed-out-appeals/{id}/submission");
    let submitted =
        with_secret(&app, "POST", &path, secret, Some(json!({"subject": "person", "material": material}))).await;
    assert_eq!(submitted.status, 200, "{:?}", submitted.body);
    assert_eq!(submitted.body["state"], "in_review");
    assert!(submitted.body["until"].is_string(), "when a reviewer is due to answer");
    let again = with_secret(&app, "POST", &path, secret, Some(json!({"subject": "person", "material": {}}))).await;
    assert_eq!(again.code(), "APPEAL_NOT_DRAFTING");

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.expect("the appeal's case is on the queue");
    assert_eq!((case["kind"].as_str(), case["case_id"].as_str()), (Some("mfa_unbind"), Some(id)));
    let decided = app.decide(&reviewer, id, &claim, json!({"decision": "approve"})).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    assert_eq!(progress(&app, id, secret).await["state"], "approved");
    // The device is gone: the password signs in (the login factor falls back to SMS).
    let after = app.sign_in(&username, PASSWORD).await;
    assert!(after.status == 201 || after.body["factors"] == json!(["sms"]), "{:?}", after.body);
}

/// Opens, uploads and submits a rebind appeal from the recovery page for `account`, to a fresh
/// new phone: (appeal id, secret, the submission's answer, the new phone).
async fn rebind_from_recovery(app: &TestApp, account: &str) -> (String, String, Reply, String) {
    let (captcha_id, captcha_answer) = app.solved_captcha().await;
    let opened = open(
        app,
        json!({"kind": "phone_rebind", "account": account, "captcha_id": captcha_id, "captcha_answer": captcha_answer}),
    )
    .await;
    assert_eq!(opened.status, 201, "{:?}", opened.body);
    let id = opened.body["appeal_id"].as_str().unwrap().to_owned();
    let secret = opened.body["appeal_secret"].as_str().unwrap().to_owned();
    let material = appeal_material(app, &id, &secret, &APPEAL_MATERIAL).await;
    let new_phone = unique_phone();
    let sent =
        app.call("POST", "/v1/sms-codes", None, Some(json!({"phone": new_phone, "purpose": "phone-rebind"}))).await;
    assert_eq!(sent.status, 202, "{:?}", sent.body);
    let body = json!({"subject": "person", "new_phone": new_phone, "challenge_id": sent.body["challenge_id"],
        "code": app.outbox_code(&new_phone), "material": material});
    let path = format!("/v1/signed-out-appeals/{id}/submission");
    let submitted = with_secret(app, "POST", &path, &secret, Some(body)).await;
    (id, secret, submitted, new_phone)
}

/// An answer with its ids and times taken out, to compare a match with a miss.
fn shape(reply: &Reply) -> (u16, Value) {
    let mut body = reply.body.clone();
    for field in ["appeal_id", "until"] {
        body[field] = json!(body[field].is_string());
    }
    (reply.status, body)
}

#[tokio::test]
async fn a_rebind_appeal_from_the_recovery_page_answers_alike_for_a_match_and_a_miss() {
    // ACC-4, REC-4
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    let (hit, hit_secret, hit_answer, new_phone) = rebind_from_recovery(&app, &username).await;
    let (miss, miss_secret, miss_answer, _) = rebind_from_recovery(&app, &unique_username()).await;
    assert_eq!(shape(&hit_answer), shape(&miss_answer), "{:?} vs {:?}", hit_answer.body, miss_answer.body);
    assert_eq!(hit_answer.body["state"], "in_review");
    app.gateway.drain_all().await.unwrap();
    let (hit_read, miss_read) = (progress(&app, &hit, &hit_secret).await, progress(&app, &miss, &miss_secret).await);
    assert_eq!(hit_read["state"], miss_read["state"], "both in review after the worker");
    assert_eq!(hit_read["until"], hit_answer.body["until"], "the same due time as answered");

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.expect("the matched appeal's case");
    assert_eq!((case["kind"].as_str(), case["case_id"].as_str()), (Some("phone_rebind"), Some(hit.as_str())));
    assert!(app.claim(&reviewer).await.is_none(), "nothing for the miss");
    assert_eq!(app.decide(&reviewer, &hit, &claim, json!({"decision": "approve"})).await.status, 200);
    // Decided, the matched appeal still reads as the miss does; the outcome went by SMS to the
    // new phone it proved.
    assert_eq!(progress(&app, &hit, &hit_secret).await["state"], "in_review");
    app.gateway.drain_all().await.unwrap();
    let sms = app.state().services.sandbox_sms().expect("sandbox SMS");
    let told = sms.messages(Some(&new_phone)).into_iter().any(|m| format!("{m:?}").contains("was approved"));
    assert!(told, "the decision was sent to the new phone");
    // The account now signs in with the new phone bound.
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["phone"].as_str().map(|p| p.ends_with(&new_phone[new_phone.len() - 4..])), Some(true));

    // Past the due time a case would have had, both read the same, naming no account.
    app.clock.advance(Duration::days(10));
    let (hit_end, miss_end) = (progress(&app, &hit, &hit_secret).await, progress(&app, &miss, &miss_secret).await);
    assert_eq!(miss_end["state"], "answered", "{miss_end:?}");
    assert_eq!((&hit_end["state"], &hit_end["rejection_reason"]), (&miss_end["state"], &miss_end["rejection_reason"]));
}

#[tokio::test]
async fn an_mfa_unbind_appeal_needs_the_password_and_a_rebind_the_captcha() {
    // MFA-5, REC-4: nothing proven opens no MFA appeal; a used or wrong captcha opens nothing.
    let app = spawn_app().await;
    let (captcha_id, answer) = app.solved_captcha().await;
    let refused = open(
        &app,
        json!({"kind": "mfa_unbind", "account": "someone", "captcha_id": captcha_id, "captcha_answer": answer}),
    )
    .await;
    assert_eq!(refused.code(), "INVALID_FIELD");
    let wrong = open(
        &app,
        json!({"kind": "phone_rebind", "account": "someone", "captcha_id": captcha_id, "captcha_answer": "x"}),
    )
    .await;
    assert_eq!(wrong.code(), "CAPTCHA_INVALID");
    let unknown = open(&app, json!({"kind": "mfa_unbind", "sign_in_id": "no-such-sign-in"})).await;
    assert_eq!(unknown.code(), "SIGN_IN_FLOW_INVALID");
}

#[tokio::test]
async fn a_passport_account_rebinds_its_phone_by_appeal_and_the_new_phone_signs_in_to_it() {
    // ACC-4, REG-3: 如申诉流程无法找回，建议尝试进行账号换绑申请 - passport accounts too.
    let app = spawn_app().await;
    let old_phone = unique_phone();
    let first = app.sms_sign_in(&old_phone, Some(agreements())).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let token = first.body["access_token"].as_str().unwrap().to_owned();
    let account_id = app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["account_id"].clone();
    let new_phone = unique_phone();
    let body = app.rebind_appeal_body(&token, &new_phone).await;
    let appeal = app.call("POST", "/v1/appeals/phone-rebind", Some(&token), Some(body)).await;
    assert_eq!(appeal.status, 201, "{:?}", appeal.body);
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let decided =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({"decision": "approve"})).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    // Every session ended; the new phone signs in to this very account, the old one to none.
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 401);
    let by_new = app.sms_sign_in(&new_phone, None).await;
    assert_eq!(by_new.status, 201, "{:?}", by_new.body);
    let me = app.call("GET", "/v1/accounts/me", by_new.body["access_token"].as_str(), None).await;
    assert_eq!(me.body["account_id"], account_id);
    let by_old = app.sms_sign_in(&old_phone, None).await;
    assert_ne!(by_old.status, 201, "the old phone no longer signs in to it: {:?}", by_old.body);
}
