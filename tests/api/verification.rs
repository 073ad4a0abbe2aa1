//! Personal real-name verification by face and by bank card [KYC-P1..KYC-P6].

use api_tests::*;
use chrono::Duration;
use serde_json::json;

#[tokio::test]
async fn face_pass_verifies_at_once_and_unlocks_entitlements() {
    // KYC-P2, KYC-P6
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let before = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(before.body["verification"]["state"], "unverified");
    assert_eq!(
        before.body["entitlements"],
        json!({"cloud_services": false, "invoices": false, "online_contracts": false, "vat_special_invoices": false, "sms_product": false, "live_vod": false, "live_vod_traffic_limit_gb": null, "student": false})
    );

    let id = unique_id_number();
    let started = app.start_face(&token, "张三", &id).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    assert!(started.body["qr_code"].as_str().unwrap().starts_with("data:image/svg+xml;base64,"));
    let verification = started.body["verification_id"].as_str().unwrap().to_owned();
    let status = app.call("GET", &format!("/v1/verifications/personal/face/{verification}"), Some(&token), None).await;
    assert_eq!(status.body["state"], "pending");

    assert_eq!(app.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let status = app.call("GET", &format!("/v1/verifications/personal/face/{verification}"), Some(&token), None).await;
    assert_eq!(status.body["state"], "passed");
    let after = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(after.body["verification"]["state"], "personal");
    assert_eq!(after.body["verification"]["method"], "face");
    assert_eq!(after.body["verification"]["name"], "张*");
    assert_eq!(after.body["verification"]["id_number"], format!("{}***********{}", &id[..3], &id[14..]));
    assert_eq!(
        after.body["entitlements"],
        json!({"cloud_services": true, "invoices": true, "online_contracts": true, "vat_special_invoices": false, "sms_product": false, "live_vod": true, "live_vod_traffic_limit_gb": 100, "student": false})
    );
    let again = app.start_face(&token, "张三", &unique_id_number()).await;
    assert_eq!(again.code(), "ALREADY_VERIFIED");
}

#[tokio::test]
async fn a_failed_face_check_kills_its_session_and_a_new_one_can_pass() {
    // KYC-P2
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = unique_id_number();
    let first = app.start_face(&token, "李四", &id).await;
    let qr = first.body["qr_payload"].as_str().unwrap().to_owned();
    assert_eq!(app.scan_face(&qr, "fail").await.status, 204);
    let id1 = first.body["verification_id"].as_str().unwrap();
    assert_eq!(
        app.call("GET", &format!("/v1/verifications/personal/face/{id1}"), Some(&token), None).await.body["state"],
        "failed"
    );
    assert_eq!(
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["verification"]["state"],
        "unverified"
    );
    let reused = app.scan_face(&qr, "pass").await;
    assert_eq!((reused.status, reused.code()), (409, "FACE_SESSION_ENDED"), "the failed QR code is dead");

    let second = app.start_face(&token, "李四", &id).await;
    assert_eq!(app.scan_face(second.body["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["verification"]["state"], "personal");
}

#[tokio::test]
async fn an_expired_face_session_cannot_pass() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let started = app.start_face(&token, "王五", &unique_id_number()).await;
    app.clock.advance(Duration::minutes(10));
    let late = app.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await;
    assert_eq!((late.status, late.code()), (409, "FACE_SESSION_EXPIRED"));
    let id = started.body["verification_id"].as_str().unwrap();
    assert_eq!(
        app.call("GET", &format!("/v1/verifications/personal/face/{id}"), Some(&token), None).await.body["state"],
        "expired"
    );
    assert_eq!(
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["verification"]["state"],
        "unverified"
    );
}

#[tokio::test]
async fn forged_callbacks_and_foreign_sessions_are_refused() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let started = app.start_face(&token, "赵六", &unique_id_number()).await;
    let id = started.body["verification_id"].as_str().unwrap().to_owned();
    let forged = json!({"verification_id": id, "provider_session_id": "x", "outcome": "pass"}).to_string();
    let reply = app.call_raw("POST", "/v1/callbacks/face", None, forged.into()).await;
    assert_eq!((reply.status, reply.code()), (401, "CALLBACK_SIGNATURE_INVALID"));
    let (_, _, stranger) = app.signed_in_user().await;
    assert_eq!(
        app.call("GET", &format!("/v1/verifications/personal/face/{id}"), Some(&stranger), None).await.code(),
        "NOT_FOUND"
    );
    assert_eq!(
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["verification"]["state"],
        "unverified"
    );
}

#[tokio::test]
async fn under_fourteen_is_refused() {
    // KYC-P5
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let today = app.state().services.clock.now().date_naive();
    let thirteen = (today - Duration::days(13 * 366)).format("%Y%m%d").to_string();
    let reply = app.start_face(&token, "小明", &id_number_born(&thirteen)).await;
    assert_eq!((reply.status, reply.code()), (422, "UNDER_AGE"));
    let fifteen = (today - Duration::days(15 * 366)).format("%Y%m%d").to_string();
    assert_eq!(app.start_face(&token, "小明", &id_number_born(&fifteen)).await.status, 201);
}

#[tokio::test]
async fn bad_documents_and_missing_agreement_are_refused() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let mut id = unique_id_number();
    id.replace_range(17..18, if id.ends_with('0') { "1" } else { "0" });
    let reply = app.start_face(&token, "张三", &id).await;
    assert_eq!((reply.status, reply.code()), (422, "INVALID_FIELD"));
    assert_eq!(reply.body["error"]["details"]["field"], "id_number");
    let body = json!({"document_type": "mainland_id_card", "name": "张三", "id_number": unique_id_number(), "agreement": {"id": "real-name-verification-agreement", "version": "2000-01"}});
    assert_eq!(
        app.call("POST", "/v1/verifications/personal/face", Some(&token), Some(body)).await.code(),
        "AGREEMENTS_REQUIRED"
    );
    for (kind, number) in [
        ("hk_macao_taiwan_permit", "H12345678"),
        ("chinese_passport_abroad", "E12345678"),
        ("foreign_permanent_residence", "USA117812310010"),
    ] {
        let body = json!({"document_type": kind, "name": "Chan Tai Man", "id_number": number, "agreement": personal_agreement()});
        assert_eq!(
            app.call("POST", "/v1/verifications/personal/face", Some(&token), Some(body)).await.status,
            201,
            "{kind}"
        );
    }
}

#[tokio::test]
async fn bank_card_pass_and_mismatch() {
    // KYC-P3
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = unique_id_number();
    let mismatch = app.bank_card(&token, "张三", &id, &card_number("622848")).await;
    assert_eq!((mismatch.status, mismatch.code()), (422, "BANK_CARD_MISMATCH"));
    assert_eq!(mismatch.body["error"]["details"]["attempts_left"], 9);
    assert_eq!(mismatch.body["error"]["details"]["remaining_methods"], json!(["face"]));
    let timeout = app.bank_card(&token, "张三", &id, &card_number("621700")).await;
    assert_eq!((timeout.status, timeout.code()), (503, "PROVIDER_UNAVAILABLE"));
    let pass = app.bank_card(&token, "张三", &id, &card_number("622202")).await;
    assert_eq!(pass.status, 201, "{:?}", pass.body);
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["verification"]["method"], "bank_card");
    assert_eq!(me.body["entitlements"]["cloud_services"], true);
}

#[tokio::test]
async fn only_unionpay_cards_and_a_right_code_are_taken() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let visa = app.bank_card(&token, "张三", &unique_id_number(), "4111111111111111").await;
    assert_eq!((visa.status, visa.code()), (422, "INVALID_FIELD"));
    assert_eq!(visa.body["error"]["details"]["field"], "card_number");
    let phone = unique_phone();
    let (challenge, code) = app.seed_code_for(&phone, shared::domain::code::Purpose::BankCard).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body = json!({"name": "张三", "id_number": unique_id_number(), "card_number": card_number("622202"), "phone": phone, "challenge_id": challenge, "sms_code": wrong, "agreement": personal_agreement()});
    assert_eq!(
        app.call("POST", "/v1/verifications/personal/bank-card", Some(&token), Some(body)).await.code(),
        "CODE_MISMATCH"
    );
    // A code for registration does not serve a bank-card check.
    let (challenge, code) = app.seed_code(&phone).await;
    let body = json!({"name": "张三", "id_number": unique_id_number(), "card_number": card_number("622202"), "phone": phone, "challenge_id": challenge, "sms_code": code, "agreement": personal_agreement()});
    assert_eq!(
        app.call("POST", "/v1/verifications/personal/bank-card", Some(&token), Some(body)).await.code(),
        "CODE_MISMATCH"
    );
}

#[tokio::test]
async fn the_eleventh_bank_card_attempt_is_refused_and_face_remains() {
    // KYC-P3
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = unique_id_number();
    for left in (0..10).rev() {
        let reply = app.bank_card(&token, "张三", &id, &card_number("622848")).await;
        if left > 0 {
            assert_eq!(reply.body["error"]["details"]["attempts_left"], left);
        } else {
            assert_eq!(reply.code(), "BANK_CARD_ATTEMPTS_EXHAUSTED");
        }
    }
    let eleventh = app.bank_card(&token, "张三", &id, &card_number("622202")).await;
    assert_eq!((eleventh.status, eleventh.code()), (409, "BANK_CARD_ATTEMPTS_EXHAUSTED"));
    assert_eq!(eleventh.body["error"]["details"]["remaining_methods"], json!(["face"]));
    let started = app.start_face(&token, "张三", &id).await;
    assert_eq!(
        app.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await.status,
        204,
        "face still works"
    );
}

#[tokio::test]
async fn one_document_verifies_at_most_five_accounts() {
    // KYC-P4
    let app = spawn_app().await;
    let id = unique_id_number();
    for _ in 0..5 {
        let (_, _, token) = app.signed_in_user().await;
        assert_eq!(app.bank_card(&token, "张三", &id, &card_number("622202")).await.status, 201);
    }
    let (_, _, sixth) = app.signed_in_user().await;
    let refused = app.bank_card(&sixth, "张三", &id, &card_number("622202")).await;
    assert_eq!((refused.status, refused.code()), (409, "DOCUMENT_ACCOUNT_LIMIT"));
    assert_eq!(refused.body["error"]["message"], "this document is already used by several other accounts");
    // The seed: the refusal tells the sixth account to sign in to an account already verified.
    let advice = refused.body["error"]["details"]["advice"].as_str().unwrap_or_default();
    assert!(advice.contains("sign in to one of the accounts"), "{:?}", refused.body);
    let by_face = app.start_face(&sixth, "张三", &id).await;
    assert_eq!(by_face.code(), "DOCUMENT_ACCOUNT_LIMIT");
}

#[tokio::test]
async fn six_concurrent_verifications_of_one_document_verify_exactly_five() {
    // KYC-P4, enforced by the database under concurrency
    let app = spawn_app().await;
    let id = unique_id_number();
    let mut tokens = vec![];
    for _ in 0..6 {
        tokens.push(app.signed_in_user().await.2);
    }
    let mut pending = vec![];
    for token in &tokens {
        let started = app.start_face(token, "张三", &id).await;
        assert_eq!(started.status, 201);
        pending.push(started.body["qr_payload"].as_str().unwrap().to_owned());
    }
    let replies = futures::future::join_all(pending.iter().map(|qr| app.scan_face(qr, "pass"))).await;
    let passed = replies.iter().filter(|r| r.status == 204).count();
    let limited = replies.iter().filter(|r| r.code() == "DOCUMENT_ACCOUNT_LIMIT").count();
    assert_eq!((passed, limited), (5, 1), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    let mut verified = 0;
    for token in &tokens {
        if app.call("GET", "/v1/accounts/me", Some(token), None).await.body["verification"]["state"] == "personal" {
            verified += 1;
        }
    }
    assert_eq!(verified, 5);
}

#[tokio::test]
async fn a_personal_verification_is_never_cancelled_nor_replaced_outside_a_change() {
    // KYC-P8: every route that could cancel or replace it refuses; only a change (CHG-4, CHG-5)
    // or deleting the account clears it.
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id_number = app.verify_by_face(&token).await;
    let before = verification_of(&app, &token).await;
    assert_eq!(before["state"], "personal", "{before:?}");

    let face = app.start_face(&token, "李四", &unique_id_number()).await;
    assert_eq!(face.code(), "ALREADY_VERIFIED");
    let card = app.bank_card(&token, "李四", &unique_id_number(), &card_number("622202")).await;
    assert_eq!(card.code(), "ALREADY_VERIFIED");
    let enterprise = app.enterprise_body(&token, "legal_face", "enterprise", &uscc("91"), json!({})).await;
    assert_eq!(app.start_enterprise(&token, &enterprise).await.code(), "ALREADY_VERIFIED");
    for (method, path) in [
        ("DELETE", "/v1/verifications/personal"),
        ("POST", "/v1/verifications/personal/withdrawal"),
        ("DELETE", "/v1/accounts/me/verification"),
    ] {
        let reply = app.call(method, path, Some(&token), None).await;
        assert_eq!(reply.status, 404, "{method} {path}: {:?}", reply.body);
    }
    assert_eq!(verification_of(&app, &token).await, before, "unchanged (ID {id_number})");
}

async fn verification_of(app: &TestApp, token: &str) -> serde_json::Value {
    app.call("GET", "/v1/accounts/me", Some(token), None).await.body["verification"].clone()
}
