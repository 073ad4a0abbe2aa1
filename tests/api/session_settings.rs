//! Session settings and the sessions an owner sees [LOGIN-4].

use api_tests::*;
use chrono::Duration;
use serde_json::json;

#[tokio::test]
async fn idle_timeout_of_fifteen_minutes_is_enforced() {
    // LOGIN-4
    let app = spawn_app().await;
    let (username, _, token) = app.signed_in_user().await;
    let set =
        app.call("PUT", "/v1/security/session-settings", Some(&token), Some(json!({"idle_timeout_minutes": 15}))).await;
    assert_eq!(set.status, 204, "{:?}", set.body);
    let short = app.sign_in(&username, PASSWORD).await;
    assert_eq!(short.body["session"]["idle_timeout_seconds"], 900);
    let short = short.body["access_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&short), None).await.status, 200);
    app.clock.advance(Duration::minutes(15));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&short), None).await.status, 401);
}

#[tokio::test]
async fn idle_timeout_of_23_hours_59_minutes_is_enforced() {
    // LOGIN-4
    let app = spawn_app().await;
    let (username, _, token) = app.signed_in_user().await;
    let set = app
        .call("PUT", "/v1/security/session-settings", Some(&token), Some(json!({"idle_timeout_minutes": 1439})))
        .await;
    assert_eq!(set.status, 204);
    let long = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::minutes(1438));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&long), None).await.status, 200);
    let again = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::minutes(1439));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&again), None).await.status, 401);
}

#[tokio::test]
async fn out_of_range_idle_timeouts_are_refused() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    for minutes in [0, 14, 1440, -5] {
        let reply = app
            .call("PUT", "/v1/security/session-settings", Some(&token), Some(json!({"idle_timeout_minutes": minutes})))
            .await;
        assert_eq!((reply.status, reply.code()), (422, "IDLE_TIMEOUT_OUT_OF_RANGE"), "{minutes}");
    }
    assert_eq!(app.call("GET", "/v1/security", Some(&token), None).await.body["idle_timeout_minutes"], 60);
}

#[tokio::test]
async fn my_sessions_are_listed_and_can_be_revoked_one_or_all_others() {
    let app = spawn_app().await;
    let (username, _, first) = app.signed_in_user().await;
    let second = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let third = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let listed = app.call("GET", "/v1/sessions", Some(&first), None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let sessions = listed.body["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["sign_in_method"] == "password"
        && s["user_agent"] == "api-tests/1.0"
        && s["created_at"].is_string()
        && s["last_seen_at"].is_string()));

    let second_id = app.call("GET", "/v1/sessions", Some(&second), None).await.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.call("DELETE", &format!("/v1/sessions/{second_id}"), Some(&first), None).await.status, 204);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&second), None).await.status, 401);

    let others = app.call("DELETE", "/v1/sessions/others", Some(&first), None).await;
    assert_eq!(others.body["revoked"], 1);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&third), None).await.status, 401);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&first), None).await.status, 200);
}

#[tokio::test]
async fn another_accounts_session_cannot_be_revoked() {
    let app = spawn_app().await;
    let (_, _, mine) = app.signed_in_user().await;
    let (_, _, theirs) = app.signed_in_user().await;
    let their_id = app.call("GET", "/v1/sessions", Some(&theirs), None).await.body["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call("DELETE", &format!("/v1/sessions/{their_id}"), Some(&mine), None).await;
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&theirs), None).await.status, 200);
}

#[tokio::test]
async fn a_new_idle_timeout_applies_to_the_current_session_too() {
    // LOGIN-4 (issue 9, where the code departed from the seed)
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let set =
        app.call("PUT", "/v1/security/session-settings", Some(&token), Some(json!({"idle_timeout_minutes": 15}))).await;
    assert_eq!(set.status, 204, "{:?}", set.body);
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200);
    app.clock.advance(Duration::minutes(16));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 401, "idle 16 minutes");
}
