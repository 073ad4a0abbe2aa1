//! Registering cloud accounts [REG-1, REG-2, REG-5, REG-6].

use api_tests::*;
use serde_json::json;

#[tokio::test]
async fn registration_returns_the_account_with_its_id_and_masked_phone() {
    // REG-1
    let app = spawn_app().await;
    let (username, phone) = (unique_username(), unique_phone());
    let reply = app.register(&username, &phone).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    let account_id = reply.body["account_id"].as_str().unwrap();
    assert_eq!(account_id.len(), 32);
    assert_eq!(reply.body["username"], username);
    assert_eq!(reply.body["phone"], format!("+86 {}****{}", &phone[3..6], &phone[10..]));
    let accepted: Vec<&str> =
        reply.body["agreements"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(accepted, ["user-service-agreement", "online-ordering-agreement", "privacy-policy"]);
    assert!(reply.body["agreements"][0]["accepted_at"].is_string());
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively() {
    // REG-1
    let app = spawn_app().await;
    let username = unique_username();
    assert_eq!(app.register(&username, &unique_phone()).await.status, 201);
    let again = app.register(&username.to_uppercase(), &unique_phone()).await;
    assert_eq!((again.status, again.code()), (409, "USERNAME_TAKEN"));
}

#[tokio::test]
async fn a_taken_username_does_not_use_up_the_code() {
    let app = spawn_app().await;
    let taken = unique_username();
    assert_eq!(app.register(&taken, &unique_phone()).await.status, 201);
    let phone = unique_phone();
    let (challenge, code) = app.seed_code(&phone).await;
    let refused = app.register_with(&taken, PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(refused.code(), "USERNAME_TAKEN");
    let other = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(other.status, 201, "{:?}", other.body);
}

#[tokio::test]
async fn the_password_policy_refuses_each_weak_kind() {
    // REG-6
    let app = spawn_app().await;
    let username = unique_username();
    for (password, reason) in [
        ("Sh0rt!", "LENGTH"),
        (&*"Ab1-".repeat(17), "LENGTH"),
        (&*format!("x{username}9!"), "CONTAINS_USERNAME"),
        ("Password123", "TOO_COMMON"),
        ("iloveyou", "TOO_COMMON"),
        ("abcdefghijkl", "TOO_SIMPLE"),
    ] {
        let phone = unique_phone();
        let (challenge, code) = app.seed_code(&phone).await;
        let reply = app.register_with(&username, password, &phone, &challenge, &code).await;
        assert_eq!((reply.status, reply.code()), (422, "WEAK_PASSWORD"), "{password}");
        assert_eq!(reply.body["error"]["details"]["reason"], reason, "{password}");
    }
    // Nothing was created: the username is still free.
    assert_eq!(app.register(&username, &unique_phone()).await.status, 201);
}

#[tokio::test]
async fn all_three_current_agreements_must_be_accepted() {
    // REG-1
    let app = spawn_app().await;
    let phone = unique_phone();
    let (challenge, code) = app.seed_code(&phone).await;
    let body = json!({
        "username": unique_username(), "password": PASSWORD, "phone": phone, "challenge_id": challenge, "sms_code": code,
        "agreements": [{"id": "user-service-agreement", "version": "2024-06"}, {"id": "privacy-policy", "version": "2019-01"}],
    });
    let reply = app.call("POST", "/v1/accounts", None, Some(body.clone())).await;
    assert_eq!((reply.status, reply.code()), (422, "AGREEMENTS_REQUIRED"));
    assert_eq!(reply.body["error"]["details"]["missing"], json!(["online-ordering-agreement", "privacy-policy"]));

    // The request's own field errors come first: a weak password is told as such.
    let mut weak = body.clone();
    weak["password"] = json!("Password123");
    let reply = app.call("POST", "/v1/accounts", None, Some(weak)).await;
    assert_eq!((reply.status, reply.code()), (422, "WEAK_PASSWORD"));

    // The current versions can be read, and registering with them works (the code was not spent).
    let current = app.call("GET", "/v1/agreements", None, None).await;
    assert_eq!(current.status, 200, "{:?}", current.body);
    let at_registration: Vec<serde_json::Value> = current.body["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["step"] == "registration")
        .map(|a| json!({"id": a["id"], "version": a["version"]}))
        .collect();
    assert_eq!(at_registration.len(), 3, "{:?}", current.body);
    let steps: Vec<&str> =
        current.body["agreements"].as_array().unwrap().iter().map(|a| a["step"].as_str().unwrap()).collect();
    for step in ["personal_verification", "student_verification", "enterprise_verification", "deletion"] {
        assert!(steps.contains(&step), "{step}");
    }
    let mut right = body;
    right["agreements"] = json!(at_registration);
    let reply = app.call("POST", "/v1/accounts", None, Some(right)).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
}

#[tokio::test]
async fn ten_accounts_per_phone_then_refused() {
    // REG-2
    let app = spawn_app().await;
    let phone = unique_phone();
    for _ in 0..10 {
        let (challenge, code) = app.seed_code(&phone).await;
        assert_eq!(app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await.status, 201);
    }
    let (challenge, code) = app.seed_code(&phone).await;
    let eleventh = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!((eleventh.status, eleventh.code()), (409, "PHONE_ACCOUNT_LIMIT"));
}

#[tokio::test]
async fn thirty_concurrent_registrations_for_one_phone_create_exactly_ten() {
    // REG-2, enforced by the database under concurrency
    let app = spawn_app().await;
    let phone = unique_phone();
    let mut codes = vec![];
    for _ in 0..30 {
        codes.push(app.seed_code(&phone).await);
    }
    let attempts = codes.iter().map(|(challenge, code)| {
        let app = &app;
        let phone = &phone;
        async move { app.register_with(&unique_username(), PASSWORD, phone, challenge, code).await }
    });
    let replies = futures::future::join_all(attempts).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let limited = replies.iter().filter(|r| r.code() == "PHONE_ACCOUNT_LIMIT").count();
    assert_eq!(
        (created, limited),
        (10, 20),
        "{:?}",
        replies.iter().map(|r| (r.status, r.code().to_owned())).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn two_racing_registrations_of_one_username_create_exactly_one() {
    // REG-1, enforced by the database under concurrency
    let app = spawn_app().await;
    let username = unique_username();
    let (p1, p2) = (unique_phone(), unique_phone());
    let (c1, c2) = (app.seed_code(&p1).await, app.seed_code(&p2).await);
    let (a, b) = tokio::join!(
        app.register_with(&username, PASSWORD, &p1, &c1.0, &c1.1),
        app.register_with(&username, PASSWORD, &p2, &c2.0, &c2.1)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    assert!(a.code() == "USERNAME_TAKEN" || b.code() == "USERNAME_TAKEN");
}

#[tokio::test]
async fn a_wrong_code_counts_tries_and_five_wrong_tries_exhaust_it() {
    let app = spawn_app().await;
    let phone = unique_phone();
    let (challenge, code) = app.seed_code(&phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let reply = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, wrong).await;
        assert_eq!((reply.status, reply.code()), (400, "CODE_MISMATCH"));
        assert_eq!(reply.body["error"]["details"]["attempts_left"], left);
    }
    let fifth = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, wrong).await;
    assert_eq!(fifth.code(), "CODE_ATTEMPTS_EXCEEDED");
    // Even the right code no longer works.
    let right = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(right.code(), "CODE_ATTEMPTS_EXCEEDED");
}

#[tokio::test]
async fn a_code_is_single_use() {
    let app = spawn_app().await;
    let phone = unique_phone();
    let (challenge, code) = app.seed_code(&phone).await;
    assert_eq!(app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await.status, 201);
    let reuse = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!((reuse.status, reuse.code()), (400, "CODE_USED"));
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let app = spawn_app().await;
    let phone = unique_phone();
    let (challenge, code) = app.seed_code(&phone).await;
    app.clock.advance(chrono::Duration::minutes(10));
    let late = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!((late.status, late.code()), (400, "CODE_EXPIRED"));
}

#[tokio::test]
async fn a_code_is_bound_to_its_phone_and_request() {
    let app = spawn_app().await;
    let (phone, other_phone) = (unique_phone(), unique_phone());
    let (challenge, code) = app.seed_code(&phone).await;
    let elsewhere = app.register_with(&unique_username(), PASSWORD, &other_phone, &challenge, &code).await;
    assert_eq!(elsewhere.code(), "CODE_MISMATCH");
    let unknown =
        app.register_with(&unique_username(), PASSWORD, &phone, "0123456789abcdef0123456789abcdef", &code).await;
    assert_eq!(unknown.code(), "CODE_NOT_FOUND");
}
