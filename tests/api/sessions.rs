//! Sessions: the authorizer checks token and session on every call; idle timeout; sign-out
//! [LOGIN-4, LOGIN-7, ACC-1].

use api_tests::*;
use chrono::Duration;

#[tokio::test]
async fn the_owner_reads_the_account_with_the_phone_masked() {
    // ACC-1
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let reply = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["username"], username);
    assert_eq!(reply.body["kind"], "cloud");
    assert_eq!(reply.body["activated"], true);
    assert_eq!(reply.body["verification"]["state"], "unverified");
    assert_eq!(reply.body["account_id"].as_str().unwrap().len(), 32);
    assert!(reply.body["created_at"].is_string());
    let shown = reply.body["phone"].as_str().unwrap();
    assert!(shown.contains("****") && !shown.contains(&phone[6..10]), "{shown}");
}

#[tokio::test]
async fn sign_out_revokes_the_token_at_once() {
    // LOGIN-7
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    assert_eq!(app.call("DELETE", "/v1/sessions/current", Some(&token), None).await.status, 204);
    let after = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!((after.status, after.code()), (401, "UNAUTHENTICATED"));
    assert!(after.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let again = app.call("DELETE", "/v1/sessions/current", Some(&token), None).await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn signing_out_one_session_leaves_the_others() {
    let app = spawn_app().await;
    let (username, _, first) = app.signed_in_user().await;
    let second = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.call("DELETE", "/v1/sessions/current", Some(&first), None).await.status, 204);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&second), None).await.status, 200);
}

#[tokio::test]
async fn a_session_ends_after_sixty_idle_minutes_and_activity_keeps_it() {
    // LOGIN-4: default idle timeout
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200);
    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200, "activity extended it");
    app.clock.advance(Duration::minutes(60));
    let idle = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!((idle.status, idle.code()), (401, "UNAUTHENTICATED"));
}

#[tokio::test]
async fn no_session_outlives_its_token() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    for _ in 0..25 {
        app.clock.advance(Duration::minutes(59));
        app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    }
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 401);
}

#[tokio::test]
async fn missing_forged_and_foreign_tokens_are_refused() {
    let app = spawn_app().await;
    let missing = app.call("GET", "/v1/accounts/me", None, None).await;
    assert_eq!(missing.status, 401, "API Gateway refuses a missing Authorization header");
    assert_eq!(missing.body["message"], "Unauthorized");
    let garbage = app.call("GET", "/v1/accounts/me", Some("not-a-jwt"), None).await;
    assert_eq!((garbage.status, garbage.code()), (401, "UNAUTHENTICATED"));
    // A token signed by another deployment's key (another app instance) is worthless here.
    let elsewhere = spawn_app().await;
    let (_, _, foreign) = elsewhere.signed_in_user().await;
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&foreign), None).await.status, 401);
}
