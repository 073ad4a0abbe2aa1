//! Signing in with username and password [LOGIN-1, LOGIN-6].

use api_tests::*;
use chrono::Duration;

#[tokio::test]
async fn sign_in_gives_a_bearer_token_and_a_session() {
    // LOGIN-1
    let app = spawn_app().await;
    let (username, phone) = (unique_username(), unique_phone());
    let account_id = app.register(&username, &phone).await.body["account_id"].clone();
    let reply = app.sign_in(&username.to_uppercase(), PASSWORD).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    assert_eq!(reply.body["account_id"], account_id);
    assert_eq!(reply.body["session"]["idle_timeout_seconds"], 3600);
    assert!(reply.body["access_token"].as_str().unwrap().split('.').count() == 3);
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    // LOGIN-1: no enumeration
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    let wrong = app.sign_in(&username, "Wrong-Password-1").await;
    let unknown = app.sign_in(&unique_username(), "Wrong-Password-1").await;
    assert_eq!((wrong.status, wrong.code()), (401, "INVALID_CREDENTIALS"));
    assert_eq!((unknown.status, unknown.code()), (401, "INVALID_CREDENTIALS"));
    assert_eq!(wrong.body["error"]["message"], unknown.body["error"]["message"]);
    let shape = |r: &Reply| r.body["error"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(shape(&wrong), shape(&unknown));
}

#[tokio::test]
async fn five_failures_lock_an_existing_and_an_unknown_username_alike_until_the_window_ends() {
    // LOGIN-6
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    let ghost = unique_username();
    for name in [&username, &ghost] {
        for _ in 0..5 {
            assert_eq!(app.sign_in(name, "Wrong-Password-1").await.code(), "INVALID_CREDENTIALS");
        }
    }
    for name in [&username, &ghost] {
        let locked = app.sign_in(name, PASSWORD).await;
        assert_eq!((locked.status, locked.code()), (429, "SIGN_IN_LOCKED"), "{name}");
        assert_eq!(locked.headers["retry-after"], "900");
    }
    app.clock.advance(Duration::minutes(15));
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 201, "the lock ends by itself");
}

#[tokio::test]
async fn a_success_clears_the_failure_count() {
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    for _ in 0..4 {
        app.sign_in(&username, "Wrong-Password-1").await;
    }
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 201);
    for _ in 0..4 {
        app.sign_in(&username, "Wrong-Password-1").await;
    }
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 201, "four new failures do not lock");
}

#[tokio::test]
async fn one_source_is_limited_across_usernames() {
    // LOGIN-6: per source
    let app = spawn_app().await;
    for _ in 0..50 {
        assert_eq!(app.sign_in(&unique_username(), "Wrong-Password-1").await.code(), "INVALID_CREDENTIALS");
    }
    let (username, _, _) = {
        let other = spawn_app().await;
        other.signed_in_user().await
    };
    let locked = app.sign_in(&username, PASSWORD).await;
    assert_eq!(locked.code(), "SIGN_IN_LOCKED");
}
