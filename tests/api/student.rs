//! Student verification [STU-1].

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};

fn student_agreements() -> Value {
    json!([{"id": "student-verification-agreement", "version": "2024-09"}, {"id": "student-privacy-notice", "version": "2024-09"}])
}

fn student_body(email: &str, challenge: &Value, code: &str) -> Value {
    json!({
        "school": "Peking University", "major": "Computer Science", "level": "undergraduate",
        "expected_graduation": "2028-07-01", "email": email, "challenge_id": challenge, "code": code,
        "agreements": student_agreements(),
    })
}

fn email_code(app: &TestApp, email: &str) -> String {
    app.state().services.sandbox_email().unwrap().latest_code(email).expect("a code was mailed")
}

#[tokio::test]
async fn only_personally_verified_accounts_may_verify_as_students() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let reply = app
        .call("POST", "/v1/verifications/student/email-codes", Some(&token), Some(json!({"email": "li@pku.edu.cn"})))
        .await;
    assert_eq!((reply.status, reply.code()), (403, "PERSONAL_VERIFICATION_REQUIRED"));
}

#[tokio::test]
async fn student_flow_refusals_and_success() {
    // STU-1
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    app.verify_by_face(&token).await;

    let gmail = app
        .call("POST", "/v1/verifications/student/email-codes", Some(&token), Some(json!({"email": "li@gmail.com"})))
        .await;
    assert_eq!((gmail.status, gmail.code()), (422, "INVALID_FIELD"));
    assert_eq!(gmail.body["error"]["details"]["field"], "email");

    let email = format!("{}@pku.edu.cn", unique_username());
    let sent =
        app.call("POST", "/v1/verifications/student/email-codes", Some(&token), Some(json!({"email": email}))).await;
    assert_eq!(sent.status, 202, "{:?}", sent.body);
    let code = email_code(&app, &email);
    assert_eq!(code.len(), 6);
    let challenge = sent.body["challenge_id"].clone();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        app.call("POST", "/v1/verifications/student", Some(&token), Some(student_body(&email, &challenge, wrong)))
            .await
            .code(),
        "CODE_MISMATCH"
    );

    let mut no_agreements = student_body(&email, &challenge, &code);
    no_agreements["agreements"] = json!([]);
    assert_eq!(
        app.call("POST", "/v1/verifications/student", Some(&token), Some(no_agreements)).await.code(),
        "AGREEMENTS_REQUIRED"
    );

    let done = app
        .call("POST", "/v1/verifications/student", Some(&token), Some(student_body(&email, &challenge, &code)))
        .await;
    assert_eq!(done.status, 201, "{:?}", done.body);
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["entitlements"]["student"], true);
    assert_eq!(me.body["student"]["school"], "Peking University");
    assert!(!me.body["student"]["email"].as_str().unwrap().contains(&email[1..email.find('@').unwrap() - 1]));
}

#[tokio::test]
async fn the_student_code_expires_after_thirty_minutes() {
    // STU-1
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    app.verify_by_face(&token).await;
    let email = format!("{}@mit.edu", unique_username());
    let sent =
        app.call("POST", "/v1/verifications/student/email-codes", Some(&token), Some(json!({"email": email}))).await;
    let code = email_code(&app, &email);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200, "keep the session alive");
    app.clock.advance(Duration::minutes(1));
    let late = app
        .call(
            "POST",
            "/v1/verifications/student",
            Some(&token),
            Some(student_body(&email, &sent.body["challenge_id"], &code)),
        )
        .await;
    assert_eq!((late.status, late.code()), (400, "CODE_EXPIRED"));
}
