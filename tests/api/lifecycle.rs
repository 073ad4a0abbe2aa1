//! Every path ends [LIFE-1] and nothing blocks for ever [LIFE-2]: a review decision ends the
//! application or change it decides, the owner can withdraw what waits (a claimed case too), a
//! waiting state ends at its deadline, and the deletion check names each open item with what to
//! do now. Each test here fails on the code before LIFE-1 (applications stayed `in_review`, an
//! unscanned face check never ended, claimed cases could not be withdrawn).

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};

fn deletion_agreement() -> Value {
    json!([{"id": "account-deletion-agreement", "version": "2024-06"}])
}

async fn check(app: &TestApp, token: &str) -> Value {
    let reply =
        app.call("POST", "/v1/account-deletions", Some(token), Some(json!({"agreements": deletion_agreement()}))).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

fn open_work(checked: &Value) -> Vec<Value> {
    checked["open_work"].as_array().unwrap_or_else(|| panic!("{checked:?}")).clone()
}

fn work_in_progress_passed(checked: &Value) -> bool {
    let conditions = checked["conditions"].as_array().unwrap();
    conditions.iter().find(|c| c["condition"] == "work_in_progress").unwrap()["passed"].as_bool().unwrap()
}

/// Another organisation's face check passed: its application waits in review (id).
async fn reviewed_application(app: &TestApp, token: &str) -> String {
    let body = app.enterprise_body(token, "legal_face", "foundation", &uscc("53"), json!({})).await;
    let started = app.start_enterprise(token, &body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    assert_eq!(app.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let id = started.body["application_id"].as_str().unwrap().to_owned();
    assert_eq!(app.application(token, &id).await["state"], "in_review");
    id
}

#[tokio::test]
async fn a_rejected_enterprise_review_ends_the_application_and_no_longer_blocks_the_deletion() {
    // LIFE-1, LIFE-2, KYC-E4, DEL-1
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = reviewed_application(&app, &token).await;

    let blocked = check(&app, &token).await;
    assert!(!work_in_progress_passed(&blocked));
    let work = open_work(&blocked);
    assert_eq!(work.len(), 1, "the application, not also its case: {work:?}");
    assert_eq!((work[0]["kind"].as_str(), work[0]["id"].as_str()), (Some("enterprise_application"), Some(id.as_str())));
    assert_eq!(work[0]["ended_by"], "reviewer");
    assert!(work[0]["ends_by"].is_string());
    assert_eq!(work[0]["withdraw"], format!("/v1/enterprise/applications/{id}/withdrawal"));

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let decided = app
        .decide(
            &reviewer,
            case["case_id"].as_str().unwrap(),
            &claim,
            json!({"decision": "reject", "reason": "blurred"}),
        )
        .await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    let shown = app.application(&token, &id).await;
    assert_eq!((shown["state"].as_str(), shown["failure"]["message"].as_str()), (Some("rejected"), Some("blurred")));
    let checked = check(&app, &token).await;
    assert!(work_in_progress_passed(&checked), "{checked:?}");
    assert!(open_work(&checked).is_empty());
    // Ended: nothing to withdraw.
    let path = format!("/v1/enterprise/applications/{id}/withdrawal");
    assert_eq!(app.call("POST", &path, Some(&token), None).await.code(), "APPLICATION_NOT_AT_STEP");
}

#[tokio::test]
async fn an_approved_enterprise_review_ends_the_application_as_verified() {
    // LIFE-1, KYC-E4
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = reviewed_application(&app, &token).await;
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let decided =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({"decision": "approve"})).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    assert_eq!(app.application(&token, &id).await["state"], "verified");
    let checked = check(&app, &token).await;
    assert!(open_work(&checked).is_empty(), "{checked:?}");
}

#[tokio::test]
async fn the_owner_withdraws_an_application_in_review_even_once_claimed_and_the_reviewer_finds_it_withdrawn() {
    // LIFE-1, LIFE-2
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = reviewed_application(&app, &token).await;
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let case_id = case["case_id"].as_str().unwrap();

    let withdrawn = app.call("POST", &format!("/v1/enterprise/applications/{id}/withdrawal"), Some(&token), None).await;
    assert_eq!(withdrawn.status, 200, "{:?}", withdrawn.body);
    assert_eq!(withdrawn.body["state"], "failed");
    assert_eq!(withdrawn.body["failure"]["message"], "you withdrew the application");
    let late = app.decide(&reviewer, case_id, &claim, json!({"decision": "approve"})).await;
    assert_eq!(late.code(), "CASE_CLOSED", "{:?}", late.body);
    let read = app.call("GET", &format!("/v1/review/cases/{case_id}"), Some(&reviewer.token), None).await;
    assert_eq!(read.body["state"], "withdrawn");
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["verification"]["state"], "unverified");
    assert!(open_work(&check(&app, &token).await).is_empty());
}

/// A company's application whose QR code is never scanned (id).
async fn unscanned_application(app: &TestApp, token: &str) -> String {
    let body = app.enterprise_body(token, "legal_face", "enterprise", &uscc("91"), json!({})).await;
    let started = app.start_enterprise(token, &body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    started.body["application_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_unscanned_face_check_blocks_until_withdrawn_or_until_its_day_is_over() {
    // LIFE-1, LIFE-2, KYC-E4: the QR code is never scanned.
    let app = spawn_isolated_app().await;
    let (username, _, token) = app.signed_in_user().await;
    let first = unscanned_application(&app, &token).await;
    let work = open_work(&check(&app, &token).await);
    assert_eq!(work.len(), 1);
    assert_eq!((work[0]["state"].as_str(), work[0]["ended_by"].as_str()), (Some("awaiting_face"), Some("deadline")));
    let ends_by = chrono::DateTime::parse_from_rfc3339(work[0]["ends_by"].as_str().unwrap()).unwrap();
    assert_eq!(ends_by.with_timezone(&chrono::Utc), app.clock_now() + Duration::days(1));
    // Withdrawn: nothing blocks.
    let path = format!("/v1/enterprise/applications/{first}/withdrawal");
    assert_eq!(app.call("POST", &path, Some(&token), None).await.status, 200);
    assert!(open_work(&check(&app, &token).await).is_empty());

    // Left alone: the sweeper ends it after its day.
    let second = unscanned_application(&app, &token).await;
    assert_eq!(open_work(&check(&app, &token).await).len(), 1);
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    app.gateway.fire_schedules().await.unwrap();
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let ended = app.application(&token, &second).await;
    assert_eq!(ended["state"], "failed", "{ended:?}");
    assert_eq!(ended["failure"]["message"], "no face check passed within a day of the application");
    assert!(open_work(&check(&app, &token).await).is_empty());
}

#[tokio::test]
async fn a_bad_upload_costs_no_attempt() {
    // KYC-E4, KYC-E3: an attempt is a try at the proof, never a malformed request.
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let mut body = app.enterprise_body(&token, "legal_face", "enterprise", &uscc("91"), json!({})).await;
    let good = body["material"].clone();
    body["material"]["org-certificate"] = json!(app.upload(&token, "org-certificate", pdf()).await);
    assert_eq!(app.start_enterprise(&token, &body).await.code(), "UPLOAD_NOT_AN_IMAGE");
    body["material"] = json!({});
    assert_eq!(app.start_enterprise(&token, &body).await.code(), "MATERIAL_MISSING");
    body["material"] = json!({"org-certificate": "upload-that-never-was"});
    assert_eq!(app.start_enterprise(&token, &body).await.status, 422);
    let overview = app.call("GET", "/v1/enterprise", Some(&token), None).await.body;
    let left = overview["methods"].as_array().unwrap().iter().find(|m| m["method"] == "legal_face").unwrap()
        ["attempts_left"]
        .as_u64();
    assert_eq!(left, Some(10), "{overview:?}");
    body["material"] = good;
    assert_eq!(app.start_enterprise(&token, &body).await.status, 201);
}

#[tokio::test]
async fn a_claimed_appeal_is_withdrawn_by_its_owner() {
    // LIFE-1, LIFE-2, MFA-5
    let app = spawn_app().await;
    let (token, _, appeal) = app.mfa_appeal().await;
    let case_id = appeal["case_id"].as_str().unwrap().to_owned();
    let work = open_work(&check(&app, &token).await);
    assert_eq!((work[0]["kind"].as_str(), work[0]["ended_by"].as_str()), (Some("case"), Some("reviewer")));
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, _) = app.claim(&reviewer).await.unwrap();
    let withdrawn = app.call("POST", &format!("/v1/cases/{case_id}/withdrawal"), Some(&token), None).await;
    assert_eq!((withdrawn.status, &withdrawn.body["state"]), (200, &json!("withdrawn")), "{:?}", withdrawn.body);
    assert_eq!(app.decide(&reviewer, &case_id, &claim, json!({"decision": "approve"})).await.code(), "CASE_CLOSED");
    assert!(open_work(&check(&app, &token).await).is_empty());
    let again = app.call("POST", &format!("/v1/cases/{case_id}/withdrawal"), Some(&token), None).await;
    assert_eq!(again.code(), "CASE_NOT_WITHDRAWABLE");
}
