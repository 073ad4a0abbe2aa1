//! A reviewer asks for new material instead of ending a case (a blurred photo, an unsigned
//! letter): the case waits on its customer with its own deadline, the review's clock stopped; the
//! customer is told what to upload again, sends it into the same case, and the case is reviewed
//! with the review time it had left; nothing sent in time rejects it [ACC-4, MFA-5, KYC-P7].
//! Also: a reviewer claims the very case picked from the list.

use api_tests::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn my_case(app: &TestApp, token: &str, id: &str) -> Value {
    let mine = app.call("GET", "/v1/cases", Some(token), None).await;
    assert_eq!(mine.status, 200, "{:?}", mine.body);
    mine.body["cases"].as_array().unwrap().iter().find(|c| c["case_id"] == id).cloned().expect("the case is listed")
}

/// A fresh session (the test clock moves past sessions' idle time).
async fn signed_in(app: &TestApp, username: &str) -> String {
    let signed_in = app.sign_in(username, PASSWORD).await;
    assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
    signed_in.body["access_token"].as_str().unwrap().to_owned()
}

async fn claim_picked(app: &TestApp, staff: &StaffUser, id: &str) -> Reply {
    app.call("POST", &format!("/v1/review/cases/{id}/claim"), Some(&staff.token), None).await
}

#[tokio::test]
async fn a_reviewer_asks_for_a_file_again_and_the_customer_sends_it_into_the_same_case() {
    let app = spawn_app().await;
    let (token, phone, appeal) = app.mfa_appeal().await;
    let id = appeal["case_id"].as_str().unwrap();
    let due = time(&appeal["due_at"]);
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, _) = app.claim(&reviewer).await.expect("the case waits");

    // A request names files the case holds, and says why.
    let none = app.decide(&reviewer, id, &claim, json!({ "decision": "request_material", "reason": "blurred" })).await;
    assert_eq!((none.status, none.code()), (422, "INVALID_FIELD"), "{:?}", none.body);
    let foreign = json!({ "decision": "request_material", "reason": "blurred", "material": ["household-register"] });
    let foreign = app.decide(&reviewer, id, &claim, foreign).await;
    assert_eq!((foreign.status, foreign.code()), (422, "INVALID_FIELD"), "{:?}", foreign.body);
    let no_reason = json!({ "decision": "request_material", "material": ["id-card-front"] });
    assert_eq!(app.decide(&reviewer, id, &claim, no_reason).await.code(), "REASON_REQUIRED");
    let stray = json!({ "decision": "approve", "material": ["id-card-front"] });
    assert_eq!(app.decide(&reviewer, id, &claim, stray).await.code(), "INVALID_FIELD");

    let asked = json!({
        "decision": "request_material",
        "reason": "the ID photo is blurred: take it again in daylight",
        "material": ["id-card-front"],
    });
    let asked = app.decide(&reviewer, id, &claim, asked).await;
    assert_eq!(asked.status, 200, "{:?}", asked.body);
    assert_eq!(asked.body["state"], "awaiting_customer");
    assert_eq!(asked.body["material_request"]["material"], json!(["id-card-front"]));

    // The customer reads what to send and by when, by SMS and in the case.
    let sms = app.state().services.sandbox_sms().unwrap().messages(Some(&phone));
    let told = sms.iter().find(|m| m.text.contains("needs new material")).expect("told by SMS");
    assert!(told.text.contains("ID card (portrait side)") && told.text.contains("blurred"), "{}", told.text);
    let waiting = my_case(&app, &token, id).await;
    assert_eq!(waiting["state"], "awaiting_customer");
    assert_eq!(waiting["material_request"]["reason"], "the ID photo is blurred: take it again in daylight");
    assert_eq!(time(&waiting["material_request"]["send_by"]), app.clock_now() + Duration::days(7));
    assert_eq!(waiting["overdue"], false);

    // Off the reviewers' queue meanwhile: counted and filtered as waiting on its customer, not claimed.
    let listed = app.call("GET", "/v1/review/queue?state=awaiting_customer", Some(&reviewer.token), None).await;
    assert!(listed.body["awaiting_customer"].as_u64().unwrap() >= 1);
    assert!(listed.body["open_cases"].as_array().unwrap().iter().any(|c| c["case_id"] == id), "{:?}", listed.body);
    let picked = claim_picked(&app, &reviewer, id).await;
    assert_eq!((picked.status, picked.code()), (409, "CASE_AWAITING_CUSTOMER"));
    assert!(app.claim(&reviewer).await.is_none(), "its message left the queue with the request");
    let late = app.decide(&reviewer, id, &claim, json!({ "decision": "approve" })).await;
    assert_eq!(late.code(), "CLAIM_NOT_HELD", "the request ended the claim");

    // Only the files asked for, each uploaded again and checked as on submission.
    let send = format!("/v1/cases/{id}/material");
    let more = app.material(&token, &["id-card-front", "id-card-back"]).await;
    let refused = app.call("POST", &send, Some(&token), Some(more)).await;
    assert_eq!((refused.status, refused.code()), (422, "INVALID_FIELD"), "{:?}", refused.body);
    let missing = app.call("POST", &send, Some(&token), Some(json!({}))).await;
    assert_eq!(missing.code(), "MATERIAL_MISSING");
    let (_, _, stranger) = app.signed_in_user().await;
    let fresh = json!({ "id-card-front": app.upload(&stranger, "id-card-front", jpeg(2048)).await });
    assert_eq!(app.call("POST", &send, Some(&stranger), Some(fresh)).await.status, 404, "another's case");
    assert_eq!(my_case(&app, &token, id).await["state"], "awaiting_customer", "nothing changed");

    app.clock.advance(Duration::minutes(50));
    let new_photo = jpeg(3000);
    let upload = app.upload(&token, "id-card-front", new_photo.clone()).await;
    let sent = app.call("POST", &send, Some(&token), Some(json!({ "id-card-front": upload }))).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    assert_eq!(sent.body["state"], "submitted");
    // The review's clock stopped while the customer had the case: due as much later as it waited.
    assert_eq!(time(&sent.body["due_at"]), due + Duration::minutes(50));
    let again = app.call("POST", &send, Some(&token), Some(json!({ "id-card-front": upload }))).await;
    assert_eq!((again.status, again.code()), (409, "MATERIAL_NOT_REQUESTED"));

    // Back on the queue, picked by its id: the new photo in place of the old, the others kept.
    let picked = claim_picked(&app, &reviewer, id).await;
    assert_eq!(picked.status, 200, "{:?}", picked.body);
    let case = &picked.body["case"];
    assert_eq!(case["replaced_files"], 1);
    let material = case["material"].as_array().unwrap();
    assert_eq!(material.len(), 4);
    let front = material.iter().find(|m| m["purpose"] == "id-card-front").unwrap();
    let bytes = reqwest::get(front["url"].as_str().unwrap()).await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.to_vec(), new_photo);
    let history: Vec<&str> = case["history"].as_array().unwrap().iter().map(|h| h["state"].as_str().unwrap()).collect();
    assert_eq!(history, ["submitted", "in_review", "awaiting_customer", "submitted", "in_review"]);
    let claim = picked.body["claim_token"].as_str().unwrap();
    let decided = app.decide(&reviewer, id, claim, json!({ "decision": "approve" })).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], false);
}

#[tokio::test]
async fn a_case_asks_for_material_twice_at_most() {
    let app = spawn_app().await;
    let (token, _, appeal) = app.mfa_appeal().await;
    let id = appeal["case_id"].as_str().unwrap();
    let reviewer = app.staff(&["reviewer"]).await;
    let ask = json!({ "decision": "request_material", "reason": "unsigned", "material": ["application-letter"] });
    for _ in 0..2 {
        let claimed = claim_picked(&app, &reviewer, id).await;
        let claim = claimed.body["claim_token"].as_str().unwrap();
        assert_eq!(app.decide(&reviewer, id, claim, ask.clone()).await.status, 200);
        let letter = app.material(&token, &["application-letter"]).await;
        let sent = app.call("POST", &format!("/v1/cases/{id}/material"), Some(&token), Some(letter)).await;
        assert_eq!(sent.status, 200, "{:?}", sent.body);
    }
    let claimed = claim_picked(&app, &reviewer, id).await;
    let claim = claimed.body["claim_token"].as_str().unwrap();
    let third = app.decide(&reviewer, id, claim, ask).await;
    assert_eq!((third.status, third.code()), (422, "INVALID_FIELD"), "{:?}", third.body);
    assert_eq!(claimed.body["case"]["replaced_files"], 2);
    let rejected = app.decide(&reviewer, id, claim, json!({ "decision": "reject", "reason": "still unsigned" })).await;
    assert_eq!(rejected.body["state"], "rejected");
}

#[tokio::test]
async fn material_not_sent_in_time_rejects_the_case_once_and_the_customer_may_appeal_again() {
    let app = spawn_isolated_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    app.bind_totp(&token, &phone).await;
    let material = app.material(&token, &APPEAL_MATERIAL).await;
    let appeal = app.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({ "material": material }))).await;
    let id = appeal.body["case_id"].as_str().unwrap().to_owned();
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, _) = app.claim(&reviewer).await.unwrap();
    let ask = json!({ "decision": "request_material", "reason": "blurred", "material": ["payment-proof"] });
    assert_eq!(app.decide(&reviewer, &id, &claim, ask).await.status, 200);

    // Within its 7 days nothing happens; a sweep past them rejects it.
    app.clock.advance(Duration::days(6));
    app.gateway.fire_schedules().await.unwrap();
    assert_eq!(my_case(&app, &signed_in(&app, &username).await, &id).await["state"], "awaiting_customer");
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    app.gateway.fire_schedules().await.unwrap();
    let token = signed_in(&app, &username).await;
    let closed = my_case(&app, &token, &id).await;
    assert_eq!(closed["state"], "rejected", "{closed:?}");
    assert_eq!(closed["rejection_reason"], shared::domain::case::MATERIAL_NOT_RECEIVED);
    assert_eq!(closed["history"].as_array().unwrap().last().unwrap()["by"], "system");
    // The same due message again (SQS delivers at least once) changes nothing.
    let due = serde_json::to_string(&json!({ "kind": "case", "id": id })).unwrap();
    let worker = functions::registry::worker_handler("expire_flows").unwrap();
    let mut event = functions::registry::SqsEvent::default();
    let mut record = aws_lambda_events::sqs::SqsMessage::default();
    record.message_id = Some("again".into());
    record.body = Some(due);
    event.records.push(record);
    assert!(worker(app.state(), event).await.batch_item_failures.is_empty());
    assert_eq!(
        my_case(&app, &token, &id).await["history"].as_array().unwrap().len(),
        closed["history"].as_array().unwrap().len()
    );
    let sms = app.state().services.sandbox_sms().unwrap().messages(Some(&phone));
    let told = sms.iter().filter(|m| m.text.contains("was not approved") && m.text.contains(&id)).count();
    assert_eq!(told, 1, "{sms:?}");
    // Its guard went with it: the customer may appeal again.
    let material = app.material(&token, &APPEAL_MATERIAL).await;
    let again = app.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({ "material": material }))).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
}

#[tokio::test]
async fn a_picked_case_is_claimed_once_and_its_queue_message_waits_for_the_lease() {
    let app = spawn_app().await;
    let (_, _, appeal) = app.mfa_appeal().await;
    let id = appeal["case_id"].as_str().unwrap();
    let (ann, bob) = (app.staff(&["reviewer"]).await, app.staff(&["reviewer"]).await);

    // Two reviewers pick the same case at once: one claim.
    let (a, b) = tokio::join!(claim_picked(&app, &ann, id), claim_picked(&app, &bob, id));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{:?} {:?}", a.body, b.body);
    let (holder, other, claimed) = if a.status == 200 { (&ann, &bob, a) } else { (&bob, &ann, b) };
    assert!(claimed.body["lease_expires_at"].is_string());
    // The case's queue message, received meanwhile, claims nothing and is kept for later.
    assert!(app.claim(other).await.is_none());
    let token = claimed.body["claim_token"].as_str().unwrap();
    let lease = format!("/v1/review/cases/{id}/lease");
    let extended = app.call("PUT", &lease, Some(&holder.token), Some(json!({ "claim_token": token }))).await;
    assert_eq!(extended.status, 200, "{:?}", extended.body);
    // Given back, it is on the queue at once for anyone.
    let back = app.call("DELETE", &lease, Some(&holder.token), Some(json!({ "claim_token": token }))).await;
    assert_eq!(back.status, 204, "{:?}", back.body);
    let (claim, case) = app.claim(other).await.expect("the case waits on the queue again");
    assert_eq!(case["case_id"], id);
    let decided = app.decide(other, id, &claim, json!({ "decision": "reject", "reason": "no payment proof" })).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    let closed = claim_picked(&app, holder, id).await;
    assert_eq!((closed.status, closed.code()), (409, "CASE_CLOSED"));
    let unknown = claim_picked(&app, holder, shared::domain::ids::FlowId::generate().as_str()).await;
    assert_eq!(unknown.status, 404);
}
