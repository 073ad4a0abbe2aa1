//! Where the code followed the seed rather than its first reading (issue 9).

use api_tests::*;

#[tokio::test]
async fn with_no_bank_card_attempt_left_the_sms_code_is_not_spent() {
    // KYC-P3: the seed keeps the code when the method is already closed
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = unique_id_number();
    for _ in 0..10 {
        app.bank_card(&token, "张三", &id, &card_number("622848")).await;
    }
    let phone = unique_phone();
    let (challenge, code) = app.seed_code_for(&phone, shared::domain::code::Purpose::BankCard).await;
    let body = serde_json::json!({
        "name": "张三", "id_number": id, "card_number": card_number("622202"), "phone": phone,
        "challenge_id": challenge, "sms_code": code, "agreement": personal_agreement(),
    });
    let closed = app.call("POST", "/v1/verifications/personal/bank-card", Some(&token), Some(body)).await;
    assert_eq!((closed.status, closed.code()), (409, "BANK_CARD_ATTEMPTS_EXHAUSTED"));
    let stored = app
        .dynamo()
        .await
        .get_item()
        .table_name("FlowsTable")
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("CODE#{challenge}")))
        .send()
        .await
        .unwrap()
        .item
        .expect("the code is stored");
    assert!(!stored.contains_key("consumed_at"), "the code was not used up");
    assert_eq!(stored["attempts"].as_n().unwrap(), "0", "and no try was spent on it");
}

#[tokio::test]
async fn a_failed_face_check_points_to_the_bank_card() {
    // KYC-P2, KYC-P3: the seed suggests the bank card after face failures
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let started = app.start_face(&token, "李四", &unique_id_number()).await;
    assert_eq!(app.scan_face(started.body["qr_payload"].as_str().unwrap(), "fail").await.status, 204);
    let id = started.body["verification_id"].as_str().unwrap();
    let status = app.call("GET", &format!("/v1/verifications/personal/face/{id}"), Some(&token), None).await;
    assert_eq!(status.body["state"], "failed");
    assert_eq!(status.body["other_methods"], serde_json::json!(["bank_card"]));
}

#[tokio::test]
async fn a_bank_card_attempt_that_timed_out_unchecked_is_given_back() {
    // KYC-P3: the provider, asked by the check's idempotency key, confirms nothing was checked
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = unique_id_number();
    let left_after_a_mismatch = || async {
        let reply = app.bank_card(&token, "张三", &id, &card_number("622848")).await;
        assert_eq!(reply.code(), "BANK_CARD_MISMATCH", "{:?}", reply.body);
        reply.body["error"]["details"]["attempts_left"].as_u64().unwrap()
    };
    for _ in 0..10 {
        let timed_out = app.bank_card(&token, "张三", &id, &card_number("621700")).await;
        assert_eq!((timed_out.status, timed_out.code()), (503, "PROVIDER_UNAVAILABLE"));
    }
    assert_eq!(left_after_a_mismatch().await, 9, "ten unchecked time-outs cost nothing");
    let checked = app.bank_card(&token, "张三", &id, &card_number("621701")).await;
    assert_eq!((checked.status, checked.code()), (503, "PROVIDER_UNAVAILABLE"));
    assert_eq!(left_after_a_mismatch().await, 7, "a time-out after the bank checked stays spent");
    let unknown = app.bank_card(&token, "张三", &id, &card_number("621702")).await;
    assert_eq!((unknown.status, unknown.code()), (503, "PROVIDER_UNAVAILABLE"));
    assert_eq!(left_after_a_mismatch().await, 5, "and so does one the provider cannot say about");
    assert_eq!(app.bank_card(&token, "张三", &id, &card_number("622202")).await.status, 201);
}
