//! Every bad input gets a 4xx with a stable code, and changes nothing.

use api_tests::*;
use bytes::Bytes;
use serde_json::json;

fn register_body(username: &str, phone: &str, challenge: &str, code: &str) -> serde_json::Value {
    json!({"username": username, "password": PASSWORD, "phone": phone, "challenge_id": challenge, "sms_code": code, "agreements": agreements()})
}

#[tokio::test]
async fn each_bad_input_class_gets_its_code_and_the_code_stays_usable() {
    let app = spawn_app().await;
    let (username, phone) = (unique_username(), unique_phone());
    let (challenge, code) = app.seed_code(&phone).await;
    let good = register_body(&username, &phone, &challenge, &code);

    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("phone");
    let mut wrong_type = good.clone();
    wrong_type["sms_code"] = json!(123456);
    let mut unknown = good.clone();
    unknown["is_admin"] = json!(true);
    let mut bad_username = good.clone();
    bad_username["username"] = json!("9lives");
    let mut bad_code = good.clone();
    bad_code["sms_code"] = json!("12ab56");

    let cases: Vec<(Bytes, u16, &str, Option<&str>)> = vec![
        (Bytes::from_static(b"{\"username\": "), 400, "MALFORMED_JSON", None),
        (Bytes::from_static(b"username=alice"), 400, "MALFORMED_JSON", None),
        (Bytes::from_static(b"[1, 2]"), 422, "INVALID_FIELD", None),
        (Bytes::new(), 400, "MALFORMED_JSON", None),
        (Bytes::from(missing.to_string()), 422, "INVALID_FIELD", Some("phone")),
        (Bytes::from(wrong_type.to_string()), 422, "INVALID_FIELD", Some("sms_code")),
        (Bytes::from(unknown.to_string()), 422, "INVALID_FIELD", Some("is_admin")),
        (Bytes::from(bad_username.to_string()), 422, "INVALID_FIELD", Some("username")),
        (Bytes::from(bad_code.to_string()), 422, "INVALID_FIELD", Some("sms_code")),
        (Bytes::from(format!("{{\"username\": \"{}\"}}", "a".repeat(17 * 1024))), 413, "BODY_TOO_LARGE", None),
    ];
    for (body, status, code_name, field) in cases {
        let reply = app.call_raw("POST", "/v1/accounts", None, body.clone()).await;
        assert_eq!(
            (reply.status, reply.code()),
            (status, code_name),
            "{:?}",
            String::from_utf8_lossy(&body[..body.len().min(80)])
        );
        assert!(reply.body["error"]["request_id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(reply.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        if let Some(field) = field {
            assert_eq!(reply.body["error"]["details"]["field"], field);
        }
    }
    // None of it consumed the code or claimed the username.
    let reply = app.call("POST", "/v1/accounts", None, Some(good)).await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_coded_errors() {
    let app = spawn_app().await;
    let unknown = app.call("GET", "/v1/nothing-here", None, None).await;
    assert_eq!((unknown.status, unknown.code()), (404, "ROUTE_NOT_FOUND"));
    let root = app.call("GET", "/", None, None).await;
    assert_eq!(root.code(), "ROUTE_NOT_FOUND");
    for (method, path) in [
        ("PUT", "/v1/accounts"),
        ("PUT", "/v1/sessions"),
        ("POST", "/v1/sessions/abc"),
        ("POST", "/v1/accounts/me"),
        ("PATCH", "/v1/sms-codes"),
    ] {
        let reply = app.call(method, path, None, None).await;
        assert_eq!((reply.status, reply.code()), (405, "METHOD_NOT_ALLOWED"), "{method} {path}");
    }
}

#[tokio::test]
async fn sign_in_with_bad_input_counts_no_failure() {
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    for _ in 0..6 {
        let reply =
            app.call("POST", "/v1/sessions", None, Some(json!({"username": username, "password": 12345678}))).await;
        assert_eq!(reply.code(), "INVALID_FIELD");
    }
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 201);
}
