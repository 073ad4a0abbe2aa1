//! Sending SMS codes: the sandbox outbox, and the send limits per phone and per caller.

use api_tests::*;
use serde_json::json;

#[tokio::test]
async fn a_code_reaches_the_sandbox_outbox_and_the_answer_reveals_nothing_else() {
    let app = spawn_app().await;
    let phone = unique_phone();
    let reply = app.send_code(&phone).await;
    assert_eq!(reply.status, 202);
    assert_eq!(reply.body["challenge_id"].as_str().unwrap().len(), 32);
    assert_eq!(reply.body["resend_after_seconds"], 60);
    assert_eq!(app.outbox_code(&phone).len(), 6);
    let keys: Vec<&String> = reply.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["challenge_id", "expires_at", "resend_after_seconds"]);
}

#[tokio::test]
async fn one_send_a_minute_per_phone() {
    let app = spawn_app().await;
    let phone = unique_phone();
    assert_eq!(app.send_code(&phone).await.status, 202);
    app.clock.advance(chrono::Duration::seconds(30));
    let again = app.send_code(&phone).await;
    assert_eq!((again.status, again.code()), (429, "RATE_LIMITED"));
    assert_eq!(again.headers["retry-after"], "30");
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(app.send_code(&phone).await.status, 202);
}

#[tokio::test]
async fn at_most_ten_sends_a_day_per_phone() {
    let app = spawn_app().await;
    let phone = unique_phone();
    for _ in 0..10 {
        assert_eq!(app.send_code(&phone).await.status, 202);
        app.clock.advance(chrono::Duration::seconds(61));
    }
    let eleventh = app.send_code(&phone).await;
    assert_eq!((eleventh.status, eleventh.code()), (429, "RATE_LIMITED"));
    let wait: i64 = eleventh.headers["retry-after"].to_str().unwrap().parse().unwrap();
    app.clock.advance(chrono::Duration::seconds(wait));
    assert_eq!(app.send_code(&phone).await.status, 202, "a new day opens a new allowance");
}

#[tokio::test]
async fn at_most_fifty_sends_a_day_per_caller() {
    let app = spawn_app().await;
    for _ in 0..50 {
        assert_eq!(app.send_code(&unique_phone()).await.status, 202);
    }
    let reply = app.send_code(&unique_phone()).await;
    assert_eq!((reply.status, reply.code()), (429, "RATE_LIMITED"));
    // Another caller is not affected.
    let other = app
        .call_from(
            "2001:db8::beef",
            "POST",
            "/v1/sms-codes",
            None,
            json!({"phone": unique_phone(), "purpose": "register"}).to_string().into(),
        )
        .await;
    assert_eq!(other.status, 202);
}

#[tokio::test]
async fn bad_phone_or_purpose_is_refused_and_nothing_is_sent() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"phone": "12345", "purpose": "register"}), "phone"),
        (json!({"phone": "+86 128 0000 0000", "purpose": "register"}), "phone"),
        (json!({"phone": unique_phone(), "purpose": "steal"}), "purpose"),
        (json!({"purpose": "register"}), "phone"),
    ] {
        let reply = app.call("POST", "/v1/sms-codes", None, Some(body)).await;
        assert_eq!((reply.status, reply.code()), (422, "INVALID_FIELD"));
        assert_eq!(reply.body["error"]["details"]["field"], field);
    }
    assert!(app.state().services.sandbox_sms().unwrap().messages(None).is_empty());
}
