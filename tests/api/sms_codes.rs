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
    assert_eq!(
        (again.headers["retry-after"].to_str().unwrap(), &again.body["error"]["details"]["limit"]),
        ("30", &json!("target_interval"))
    );
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(app.send_code(&phone).await.status, 202);
}

#[tokio::test]
async fn a_phone_gets_at_most_ten_codes_a_day_of_which_strangers_spend_six() {
    // Issue 25: one ceiling per phone, every purpose together (Beijing days); what anyone can ask
    // for never uses up the owner's own codes.
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await; // its registration code: the first
    let purposes = ["register", "passport-sign-in", "phone-rebind", "bank-card", "register"];
    for purpose in purposes {
        app.clock.advance(chrono::Duration::seconds(61));
        let sent = app.call("POST", "/v1/sms-codes", None, Some(json!({"phone": phone, "purpose": purpose}))).await;
        assert_eq!(sent.status, 202, "{purpose}: {:?}", sent.body);
    }
    app.clock.advance(chrono::Duration::seconds(61));
    let seventh = app.call("POST", "/v1/sms-codes", None, Some(json!({"phone": phone, "purpose": "register"}))).await;
    assert_eq!((seventh.status, seventh.code()), (429, "RATE_LIMITED"), "the strangers' share is spent");
    assert_eq!(seventh.body["error"]["details"]["limit"], "target_daily");
    let delivered = app.state().services.sandbox_sms().unwrap().messages(Some(&phone)).len();
    assert_eq!(delivered, 6);
    // The owner's step-up codes still come: four of them, then none.
    for n in 0..4 {
        app.clock.advance(chrono::Duration::seconds(61));
        let sent = app.call("POST", "/v1/step-up/sms-codes", Some(&token), None).await;
        assert_eq!(sent.status, 202, "owner's code {n}: {:?}", sent.body);
    }
    app.clock.advance(chrono::Duration::seconds(61));
    let eleventh = app.call("POST", "/v1/step-up/sms-codes", Some(&token), None).await;
    assert_eq!((eleventh.status, eleventh.code()), (429, "RATE_LIMITED"), "the phone's ceiling is reached");
    assert_eq!(app.state().services.sandbox_sms().unwrap().messages(Some(&phone)).len(), 10);
    let wait: i64 = eleventh.headers["retry-after"].to_str().unwrap().parse().unwrap();
    app.clock.advance(chrono::Duration::seconds(wait));
    assert_eq!(app.send_code(&phone).await.status, 202, "a new day opens a new allowance");
}

#[tokio::test]
async fn forty_recovery_starts_from_forty_sources_send_one_code_and_the_owner_still_gets_theirs() {
    // Issue 25: 20 account look-ups and 20 password resets for one victim, each from its own
    // address with its own solved captcha, at once: the phone's spacing lets one code through;
    // every start is answered alike (REC-4) and the owner's sign-in code still comes.
    let app = spawn_app().await;
    let (username, phone, _) = app.signed_in_user().await;
    let before = app.state().services.sandbox_sms().unwrap().messages(Some(&phone)).len();
    app.clock.advance(chrono::Duration::seconds(61));
    let mut captchas = vec![];
    for _ in 0..40 {
        captchas.push(app.solved_captcha().await);
    }
    let starts = captchas.into_iter().enumerate().map(|(i, (id, answer))| {
        let (path, mut body) = if i % 2 == 0 {
            ("/v1/account-lookups", json!({"by": "phone", "phone": phone}))
        } else {
            ("/v1/password-resets", json!({"account": username}))
        };
        body["captcha_id"] = json!(id);
        body["captcha_answer"] = json!(answer);
        let ip = format!("10.40.0.{}", i + 1);
        let app = &app;
        async move { app.call_from(&ip, "POST", path, None, bytes::Bytes::from(body.to_string())).await }
    });
    let replies = futures::future::join_all(starts).await;
    assert!(replies.iter().all(|r| r.status == 202), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    let sent = app.state().services.sandbox_sms().unwrap().messages(Some(&phone)).len() - before;
    assert_eq!(sent, 1, "one code a minute reaches the phone, whoever asks");
    // The owner turns on login protection by SMS elsewhere; here: their step-up code comes.
    let signed_in = app.sign_in(&username, PASSWORD).await;
    let token = signed_in.body["access_token"].as_str().unwrap().to_owned();
    let step_up = app.call("POST", "/v1/step-up/sms-codes", Some(&token), None).await;
    assert_eq!(step_up.status, 202, "{:?}", step_up.body);
    assert_eq!(app.state().services.sandbox_sms().unwrap().messages(Some(&phone)).len() - before, 2);
}

#[tokio::test]
async fn at_most_fifty_sends_a_day_per_caller() {
    let app = spawn_app().await;
    for _ in 0..50 {
        assert_eq!(app.send_code(&unique_phone()).await.status, 202);
    }
    let reply = app.send_code(&unique_phone()).await;
    assert_eq!((reply.status, reply.code()), (429, "RATE_LIMITED"));
    assert_eq!(reply.body["error"]["details"]["limit"], "caller_daily", "which limit");
    assert!(reply.headers.contains_key("retry-after"));
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
