//! Uploaded material is checked by the server when a case names it: it exists under the account's
//! own prefix for that purpose, is at most 4 MB and is a JPEG or PNG by its content, whatever its
//! name or declared type. A refused submission names the material and changes nothing [KYC-E3].

use api_tests::*;
use serde_json::{json, Value};

async fn appeal(app: &TestApp, token: &str, material: &Value) -> Reply {
    app.call("POST", "/v1/appeals/mfa-unbind", Some(token), Some(json!({ "material": material }))).await
}

#[tokio::test]
async fn bad_uploads_are_refused_by_name_and_nothing_is_submitted() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    app.bind_totp(&token, &phone).await;
    let good = app.material(&token, &APPEAL_MATERIAL).await;

    let mut too_large = good.clone();
    too_large["payment-proof"] = json!(app.upload(&token, "payment-proof", jpeg(4 * 1024 * 1024 + 1)).await);
    let mut pdf_as_jpeg = good.clone();
    pdf_as_jpeg["application-letter"] = json!(app.upload(&token, "application-letter", pdf()).await);
    let mut text_as_jpeg = good.clone();
    text_as_jpeg["application-letter"] = json!(app.upload(&token, "application-letter", b"just text".to_vec()).await);
    let (_, _, stranger) = app.signed_in_user().await;
    let mut foreign = good.clone();
    foreign["id-card-front"] = json!(app.upload(&stranger, "id-card-front", jpeg(100)).await);
    let mut unknown = good.clone();
    unknown["id-card-front"] = json!("id-card-front.0123456789abcdef0123456789abcdef");
    let mut garbage = good.clone();
    garbage["id-card-front"] = json!("../../tmp/other/id-card-front/x");
    let mut mismatched = good.clone();
    mismatched["id-card-front"] = good["id-card-back"].clone();
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("payment-proof");

    for (material, code, which) in [
        (&too_large, "UPLOAD_TOO_LARGE", "payment-proof"),
        (&pdf_as_jpeg, "UPLOAD_NOT_AN_IMAGE", "application-letter"),
        (&text_as_jpeg, "UPLOAD_NOT_AN_IMAGE", "application-letter"),
        (&foreign, "UPLOAD_NOT_FOUND", "id-card-front"),
        (&unknown, "UPLOAD_NOT_FOUND", "id-card-front"),
        (&garbage, "UPLOAD_NOT_FOUND", "id-card-front"),
        (&mismatched, "UPLOAD_PURPOSE_MISMATCH", "id-card-front"),
        (&missing, "MATERIAL_MISSING", "payment-proof"),
    ] {
        let refused = appeal(&app, &token, material).await;
        assert_eq!((refused.status, refused.code()), (422, code), "{:?}", refused.body);
        assert_eq!(refused.body["error"]["details"]["material"], which);
    }
    let mine = app.call("GET", "/v1/cases", Some(&token), None).await;
    assert_eq!(mine.body["cases"], json!([]), "nothing was submitted");
    let mut extra = good.clone();
    extra["household-register"] = good["id-card-back"].clone();
    assert_eq!(appeal(&app, &token, &extra).await.code(), "INVALID_FIELD");

    // The good material passes, and a second appeal of the kind waits for the first.
    assert_eq!(appeal(&app, &token, &good).await.status, 201);
    let twice = appeal(&app, &token, &good).await;
    assert_eq!((twice.status, twice.code()), (409, "CASE_ALREADY_OPEN"));
}

#[tokio::test]
async fn an_upload_is_asked_for_within_the_limits() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let ask = |body: Value| app.call("POST", "/v1/uploads", Some(&token), Some(body));
    let big =
        ask(json!({ "purpose": "held-id-photo", "content_type": "image/jpeg", "size": 4 * 1024 * 1024 + 1 })).await;
    assert_eq!((big.status, big.code()), (422, "UPLOAD_TOO_LARGE"));
    let empty = ask(json!({ "purpose": "held-id-photo", "content_type": "image/png", "size": 0 })).await;
    assert_eq!(empty.code(), "UPLOAD_TOO_LARGE");
    let pdf = ask(json!({ "purpose": "held-id-photo", "content_type": "application/pdf", "size": 10 })).await;
    assert_eq!(pdf.code(), "INVALID_FIELD");
    let purpose = ask(json!({ "purpose": "selfie", "content_type": "image/png", "size": 10 })).await;
    assert_eq!(purpose.code(), "INVALID_FIELD");
    let ok = ask(json!({ "purpose": "held-id-photo", "content_type": "image/png", "size": 10 })).await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert!(ok.body["upload_id"].as_str().unwrap().starts_with("held-id-photo."));
    assert_eq!(ok.body["method"], "PUT");
    assert_eq!(ok.body["headers"]["content-type"], "image/png");
    assert!(!ok.body["url"].as_str().unwrap().contains(&token), "no secret in the URL");
    assert_eq!(app.call("POST", "/v1/uploads", None, Some(json!({}))).await.status, 401);
}
