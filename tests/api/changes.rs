//! Changes of the verified subject through the API [CHG-1, CHG-2, CHG-5]: the refusals, a name
//! change confirmed at once or reviewed, a person handing the account to another person, the
//! 30-day rule at its boundary, the 1-day limit under the test clock, the 5 bank-card tries under
//! a burst, a completion racing a withdrawal, and the documents' slots across a change.

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};

fn agreements(both: bool) -> Value {
    let mut list = vec![json!({"id": "subject-change-application-agreement", "version": "2024-06"})];
    if both {
        list.push(json!({"id": "subject-change-acceptance-agreement", "version": "2024-06"}));
    }
    Value::Array(list)
}

fn acceptance() -> Value {
    json!({"id": "subject-change-acceptance-agreement", "version": "2024-06"})
}

/// A signed-in account verified as a company by its legal representative's face: (username, token).
async fn company(app: &TestApp) -> (String, String) {
    let (username, _, token) = app.signed_in_user().await;
    let body = app.enterprise_body(&token, "legal_face", "enterprise", &uscc("91"), json!({})).await;
    let started = app.start_enterprise(&token, &body).await;
    assert_eq!(app.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    (username, token)
}

/// A signed-in account verified as a person by face: (username, token, ID number).
async fn person(app: &TestApp) -> (String, String, String) {
    let (username, _, token) = app.signed_in_user().await;
    let id = app.verify_by_face(&token).await;
    (username, token, id)
}

async fn start(app: &TestApp, token: &str, body: Value) -> Reply {
    app.call("POST", "/v1/subject-changes", Some(token), Some(body)).await
}

async fn step(app: &TestApp, token: &str, id: &str, step: &str, body: Value) -> Reply {
    app.call("POST", &format!("/v1/subject-changes/{id}/{step}"), Some(token), Some(body)).await
}

async fn history(app: &TestApp, token: &str) -> Value {
    let reply = app.call("GET", "/v1/subject-changes", Some(token), None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.body
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.call("GET", "/v1/accounts/me", Some(token), None).await.body
}

/// A bank-card proof with a code seeded for a fresh reserved phone.
async fn card_proof(app: &TestApp, prefix: &str) -> Value {
    let phone = unique_phone();
    let (challenge, code) = app.seed_code_for(&phone, shared::domain::code::Purpose::BankCard).await;
    json!({"method": "bank_card", "card_number": card_number(prefix), "phone": phone, "challenge_id": challenge, "sms_code": code})
}

fn with(mut base: Value, more: Value) -> Value {
    for (k, v) in more.as_object().unwrap() {
        base[k.as_str()] = v.clone();
    }
    base
}

/// A person change started and its owner proven by bank card: the change's id.
async fn person_change_proven(app: &TestApp, token: &str) -> String {
    let started = start(app, token, json!({"kind": "person_to_person", "agreements": agreements(false)})).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let id = started.body["change_id"].as_str().unwrap().to_owned();
    let proven = step(app, token, &id, "owner-proof", card_proof(app, "622202").await).await;
    assert_eq!(proven.body["state"], "passed", "{:?}", proven.body);
    id
}

fn new_person(id_number: &str, proof: Value) -> Value {
    with(
        json!({"document_type": "mainland_id_card", "name": "李四", "id_number": id_number, "agreement": acceptance()}),
        proof,
    )
}

#[tokio::test]
async fn an_enterprise_never_becomes_a_person_and_each_change_fits_its_verification() {
    // CHG-1
    let app = spawn_app().await;
    let (_, token) = company(&app).await;
    let refused = start(&app, &token, json!({"kind": "enterprise_to_person", "agreements": agreements(true)})).await;
    assert_eq!((refused.status, refused.code()), (409, "CHANGE_NOT_SUPPORTED"));
    let wrong = start(&app, &token, json!({"kind": "person_to_person", "agreements": agreements(false)})).await;
    assert_eq!(wrong.code(), "CHANGE_NOT_APPLICABLE");
    let (_, person_token, _) = person(&app).await;
    let wrong = start(
        &app,
        &person_token,
        json!({"kind": "enterprise_name", "agreements": agreements(true), "new_name": "新名有限公司",
            "material": {"org-certificate": "org-certificate.unknown"}}),
    )
    .await;
    assert_eq!(wrong.code(), "CHANGE_NOT_APPLICABLE");
    // Each kind takes its own fields: a name change without its licence is refused as such.
    let incomplete = start(
        &app,
        &token,
        json!({"kind": "enterprise_name", "agreements": agreements(true), "new_name": "新名有限公司"}),
    )
    .await;
    assert_eq!(
        (incomplete.code(), &incomplete.body["error"]["details"]["field"]),
        ("INVALID_FIELD", &json!("material"))
    );
    let no_agreement = start(&app, &person_token, json!({"kind": "person_to_person", "agreements": []})).await;
    assert_eq!(no_agreement.code(), "AGREEMENTS_REQUIRED");
    assert_eq!(me(&app, &token).await["verification"]["state"], "enterprise", "nothing changed");
}

#[tokio::test]
async fn a_name_the_registry_confirms_changes_at_once_and_the_next_change_waits_thirty_days() {
    // CHG-2, the 30-day rule at its boundary
    let app = spawn_app().await;
    let (username, token) = company(&app).await;
    let licence = app.upload(&token, "org-certificate", jpeg(3000)).await;
    let body = json!({"kind": "enterprise_name", "agreements": agreements(true), "new_name": "云杉智能科技有限公司",
        "material": {"org-certificate": licence}});
    let done = start(&app, &token, body.clone()).await;
    assert_eq!((done.status, &done.body["state"]), (201, &json!("completed")), "{:?}", done.body);
    assert_eq!(done.body["from"], "云杉数据科技有限公司");
    assert_eq!(me(&app, &token).await["verification"]["name"], "云杉智能科技有限公司");

    let licence = app.upload(&token, "org-certificate", jpeg(3000)).await;
    let again = with(body, json!({"new_name": "云杉未来科技有限公司", "material": {"org-certificate": licence}}));
    let too_soon = start(&app, &token, again.clone()).await;
    assert_eq!(too_soon.code(), "CHANGE_TOO_SOON");
    let from = chrono::DateTime::parse_from_rfc3339(too_soon.body["error"]["details"]["retry_from"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        history(&app, &token).await["next_change_from"].as_str().map(|s| s.to_owned()),
        Some(from.to_rfc3339().replace("+00:00", "Z"))
    );
    app.clock.advance(Duration::days(30) - Duration::minutes(1));
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(start(&app, &token, again.clone()).await.code(), "CHANGE_TOO_SOON", "a minute before the 30 days");
    // Nor does a change of another kind complete within the 30 days [CHG-3].
    let organisation = json!({
        "kind": "enterprise_subject", "agreements": agreements(false),
        "new_subject": {"organisation_type": "enterprise", "name": "松柏云计算有限公司", "uscc": uscc("91")},
        "reason": "the business moved", "contact": {"name": "赵六", "id_number": unique_id_number()},
    });
    assert_eq!(start(&app, &token, organisation).await.code(), "CHANGE_TOO_SOON");
    app.clock.advance(Duration::minutes(2));
    let done = start(&app, &token, again).await;
    assert_eq!(done.body["state"], "completed", "{:?}", done.body);
    assert_eq!(history(&app, &token).await["changes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_name_the_registry_does_not_confirm_goes_to_a_reviewer_with_supporting_material() {
    // CHG-2: the sandbox registry never finds a name with 未登记 in it.
    let app = spawn_app().await;
    let (_, token) = company(&app).await;
    let licence = app.upload(&token, "org-certificate", jpeg(3000)).await;
    let new_name = "云杉未登记科技有限公司";
    let body = json!({"kind": "enterprise_name", "agreements": agreements(true), "new_name": new_name,
        "material": {"org-certificate": licence}});
    let waiting = start(&app, &token, body).await;
    assert_eq!(waiting.body["state"], "awaiting_material", "{:?}", waiting.body);
    let id = waiting.body["change_id"].as_str().unwrap().to_owned();
    // One change at a time.
    let licence = app.upload(&token, "org-certificate", jpeg(3000)).await;
    let second = json!({"kind": "enterprise_name", "agreements": agreements(true), "new_name": "别的名字有限公司",
        "material": {"org-certificate": licence}});
    assert_eq!(start(&app, &token, second).await.code(), "CHANGE_ALREADY_OPEN");
    assert_eq!(step(&app, &token, &id, "new-subject", json!({"material": {}})).await.code(), "MATERIAL_MISSING");
    let form = app.upload(&token, "change-form", jpeg(2000)).await;
    let submitted = step(&app, &token, &id, "new-subject", json!({"material": {"change-form": form}})).await;
    assert_eq!(submitted.body["state"], "in_review", "{:?}", submitted.body);
    assert_eq!(me(&app, &token).await["verification"]["name"], "云杉数据科技有限公司", "the original until approved");

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    assert_eq!(case["kind"], "enterprise_rename");
    assert_eq!(case["details"]["new_name"], new_name);
    let purposes: Vec<&str> =
        case["material"].as_array().unwrap().iter().map(|m| m["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, ["org-certificate", "change-form"]);
    let decided =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({"decision": "approve"})).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    assert_eq!(me(&app, &token).await["verification"]["name"], new_name);
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "completed");
}

#[tokio::test]
async fn a_reviewed_name_change_can_be_withdrawn_while_unclaimed_and_started_again() {
    let app = spawn_app().await;
    let (_, token) = company(&app).await;
    let material =
        |licence: String, form: String| json!({"org-certificate": licence, "registration-change-certificate": form});
    let body = |material: Value| json!({"kind": "enterprise_name", "agreements": agreements(true), "new_name": "云杉未登记有限公司", "material": material});
    let licence = app.upload(&token, "org-certificate", jpeg(3000)).await;
    let proof = app.upload(&token, "registration-change-certificate", jpeg(3000)).await;
    let reviewed = start(&app, &token, body(material(licence, proof))).await;
    assert_eq!(reviewed.body["state"], "in_review", "{:?}", reviewed.body);
    let id = reviewed.body["change_id"].as_str().unwrap();
    let withdrawn = app.call("POST", &format!("/v1/subject-changes/{id}/withdrawal"), Some(&token), None).await;
    assert_eq!(withdrawn.status, 204, "{:?}", withdrawn.body);
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "withdrawn");
    // Edited and sent again.
    let licence = app.upload(&token, "org-certificate", jpeg(3000)).await;
    let proof = app.upload(&token, "registration-change-certificate", jpeg(3000)).await;
    assert_eq!(start(&app, &token, body(material(licence, proof))).await.body["state"], "in_review");
}

#[tokio::test]
async fn a_person_hands_the_account_to_another_person_and_the_documents_slots_move() {
    // CHG-5
    let app = spawn_app().await;
    let (_, token, old_id) = person(&app).await;
    let started = start(&app, &token, json!({"kind": "person_to_person", "agreements": agreements(false)})).await;
    assert_eq!((started.status, &started.body["state"]), (201, &json!("proving_owner")), "{:?}", started.body);
    let id = started.body["change_id"].as_str().unwrap();
    let submit_by = chrono::DateTime::parse_from_rfc3339(started.body["submit_by"].as_str().unwrap()).unwrap();
    assert_eq!(submit_by.with_timezone(&chrono::Utc), app.clock_now() + Duration::days(1));
    // Not before the owner proved themselves.
    let early = step(&app, &token, id, "new-subject", new_person(&unique_id_number(), json!({"method": "face"}))).await;
    assert_eq!(early.code(), "CHANGE_NOT_AT_STEP");

    let face = step(&app, &token, id, "owner-proof", json!({"method": "face"})).await;
    assert_eq!(face.body["state"], "face_pending", "{:?}", face.body);
    assert_eq!(app.scan_face(face.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "awaiting_new_person");

    let same = step(&app, &token, id, "new-subject", new_person(&old_id, json!({"method": "face"}))).await;
    assert_eq!(same.code(), "INVALID_FIELD", "the new person is another one");
    let minor =
        step(&app, &token, id, "new-subject", new_person(&id_number_born("20200101"), json!({"method": "face"}))).await;
    assert_eq!(minor.code(), "UNDER_AGE");
    let new_id = unique_id_number();
    let face = step(&app, &token, id, "new-subject", new_person(&new_id, json!({"method": "face"}))).await;
    assert_eq!(face.body["state"], "face_pending", "{:?}", face.body);
    assert_eq!(me(&app, &token).await["verification"]["name"], "张*", "the original until the change completes");
    assert_eq!(app.scan_face(face.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let after = me(&app, &token).await;
    assert_eq!(after["verification"]["name"], "李*", "{after:?}");
    assert_eq!(after["verification"]["id_number"], format!("{}***********{}", &new_id[..3], &new_id[14..]));
    let h = history(&app, &token).await;
    assert_eq!((h["changes"][0]["state"].as_str(), h["changes"][0]["to"].as_str()), (Some("completed"), Some("李*")));
    assert!(h["next_change_from"].is_string(), "the next change waits 30 days");
    // A second change within 30 days is refused, of any kind [CHG-4 too].
    let again = start(&app, &token, json!({"kind": "person_to_person", "agreements": agreements(false)})).await;
    assert_eq!(again.code(), "CHANGE_TOO_SOON");
    let other_kind =
        start(&app, &token, json!({"kind": "person_to_enterprise", "agreements": agreements(false)})).await;
    assert_eq!(other_kind.code(), "CHANGE_TOO_SOON", "{:?}", other_kind.body);
}

#[tokio::test]
async fn the_new_person_must_be_submitted_within_a_day_or_the_change_is_withdrawn() {
    // CHG-5
    let app = spawn_isolated_app().await;
    let (username, token, _) = person(&app).await;
    let started = start(&app, &token, json!({"kind": "person_to_person", "agreements": agreements(false)})).await;
    let id = started.body["change_id"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::days(1) - Duration::minutes(1));
    app.gateway.fire_schedules().await.unwrap();
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "proving_owner", "a minute is left");
    app.clock.advance(Duration::minutes(2));
    app.gateway.fire_schedules().await.unwrap();
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "withdrawn");
    let late = step(&app, &token, &id, "owner-proof", json!({"method": "face"})).await;
    assert_eq!(late.code(), "CHANGE_NOT_AT_STEP");
    // The account may start again (the withdrawn change no longer holds the slot).
    let again = start(&app, &token, json!({"kind": "person_to_person", "agreements": agreements(false)})).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
}

#[tokio::test]
async fn fifty_parallel_bank_card_proofs_get_five_tries_and_the_face_stays_open() {
    // CHG-5: the current person's bank card, 5 tries in the change, each reserved before the bank.
    let app = spawn_app().await;
    let (_, token, _) = person(&app).await;
    let started = start(&app, &token, json!({"kind": "person_to_person", "agreements": agreements(false)})).await;
    let id = started.body["change_id"].as_str().unwrap().to_owned();
    let mut bodies = vec![];
    for _ in 0..50 {
        bodies.push(card_proof(&app, "622848").await);
    }
    let calls = bodies.iter().enumerate().map(|(i, body)| {
        let (app, token, id) = (&app, &token, &id);
        async move {
            let path = format!("/v1/subject-changes/{id}/owner-proof");
            app.call_from(
                &format!("198.51.100.{}", 10 + i % 8),
                "POST",
                &path,
                Some(token),
                bytes::Bytes::from(body.to_string()),
            )
            .await
        }
    });
    let replies = futures::future::join_all(calls).await;
    let codes: Vec<String> = replies.iter().map(|r| r.code().to_owned()).collect();
    let mismatched = codes.iter().filter(|c| *c == "BANK_CARD_MISMATCH").count();
    let exhausted = codes.iter().filter(|c| *c == "BANK_CARD_ATTEMPTS_EXHAUSTED").count();
    assert_eq!((mismatched, exhausted), (4, 46), "{codes:?}");
    let face = step(&app, &token, &id, "owner-proof", json!({"method": "face"})).await;
    assert_eq!(face.body["state"], "face_pending", "the face stays open: {:?}", face.body);
}

#[tokio::test]
async fn a_completion_racing_a_withdrawal_ends_in_exactly_one_of_them() {
    for _ in 0..3 {
        let app = spawn_app().await;
        let (_, token, _) = person(&app).await;
        let id = person_change_proven(&app, &token).await;
        let submit = new_person(&unique_id_number(), card_proof(&app, "622202").await);
        let withdrawal = format!("/v1/subject-changes/{id}/withdrawal");
        let (completed, withdrawn) = tokio::join!(
            step(&app, &token, &id, "new-subject", submit),
            app.call("POST", &withdrawal, Some(&token), None),
        );
        let (done, gone) = (completed.status == 200, withdrawn.status == 204);
        assert!(done ^ gone, "exactly one: {:?} / {:?}", completed.body, withdrawn.body);
        let name = me(&app, &token).await["verification"]["name"].clone();
        let state = history(&app, &token).await["changes"][0]["state"].clone();
        if done {
            assert_eq!((name, state), (json!("李*"), json!("completed")));
        } else {
            assert_eq!((name, state), (json!("张*"), json!("withdrawn")));
        }
    }
}

#[tokio::test]
async fn the_documents_slots_stay_exact_when_a_change_frees_one_while_another_account_takes_it() {
    // KYC-P4 across CHG-5: a document verifying 5 accounts; one of them changes to another person
    // (freeing the slot) while a sixth account verifies with the document at the same moment.
    let app = spawn_app().await;
    let document = unique_id_number();
    let mut tokens = vec![];
    for _ in 0..5 {
        let (_, _, token) = app.signed_in_user().await;
        let started = app.start_face(&token, "王五", &document).await;
        assert_eq!(app.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
        tokens.push(token);
    }
    let (_, _, sixth) = app.signed_in_user().await;
    assert_eq!(app.bank_card(&sixth, "王五", &document, &card_number("622202")).await.code(), "DOCUMENT_ACCOUNT_LIMIT");
    let changing = &tokens[0];
    let id = person_change_proven(&app, changing).await;
    let submit = new_person(&unique_id_number(), card_proof(&app, "622202").await);
    let card = card_number("622202");
    let (changed, joined) = tokio::join!(
        step(&app, changing, &id, "new-subject", submit),
        app.bank_card(&sixth, "王五", &document, &card),
    );
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    let (_, _, seventh) = app.signed_in_user().await;
    let last = app.bank_card(&seventh, "王五", &document, &card_number("622202")).await;
    if joined.status == 201 {
        assert_eq!(last.code(), "DOCUMENT_ACCOUNT_LIMIT", "the freed slot was taken once");
    } else {
        assert_eq!(joined.code(), "DOCUMENT_ACCOUNT_LIMIT", "{:?}", joined.body);
        assert_eq!(last.status, 201, "the freed slot is there: {:?}", last.body);
    }
    // The document is at its 5 accounts again: it cannot be a change's new person either.
    let (_, other, _) = person(&app).await;
    let id = person_change_proven(&app, &other).await;
    let refused = step(&app, &other, &id, "new-subject", new_person(&document, json!({"method": "face"}))).await;
    assert_eq!(refused.code(), "DOCUMENT_ACCOUNT_LIMIT");
}

/// A person -> enterprise change started and its owner proven by bank card: the change's id.
async fn enterprise_change_proven(app: &TestApp, token: &str) -> String {
    let started = start(app, token, json!({"kind": "person_to_enterprise", "agreements": agreements(false)})).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let id = started.body["change_id"].as_str().unwrap().to_owned();
    let proven = step(app, token, &id, "owner-proof", card_proof(app, "622202").await).await;
    assert_eq!(proven.body["state"], "passed", "{:?}", proven.body);
    assert_eq!(change_state(app, token, &id).await, "awaiting_new_enterprise");
    id
}

/// A change's state as the history shows it.
async fn change_state(app: &TestApp, token: &str, id: &str) -> String {
    let h = history(app, token).await;
    let change = h["changes"].as_array().unwrap().iter().find(|c| c["change_id"] == id).cloned();
    change.unwrap_or_else(|| panic!("no change {id} in {h:?}"))["state"].as_str().unwrap().to_owned()
}

/// The body of an enterprise application that completes the change `id` (acceptance agreed).
async fn change_application(app: &TestApp, token: &str, id: &str, org_type: &str, kind: &str) -> Value {
    let extra = json!({"change_id": id, "acceptance": acceptance()});
    app.enterprise_body(token, "legal_face", org_type, &uscc(kind), extra).await
}

#[tokio::test]
async fn a_person_hands_the_account_to_a_company_and_the_documents_slot_is_given_back() {
    // CHG-4
    let app = spawn_app().await;
    let document = unique_id_number();
    let mut tokens = vec![];
    for _ in 0..5 {
        let (_, _, token) = app.signed_in_user().await;
        let started = app.start_face(&token, "王五", &document).await;
        assert_eq!(app.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
        tokens.push(token);
    }
    let token = &tokens[0];
    let id = enterprise_change_proven(&app, token).await;
    let extra = json!({"change_id": id});
    let body = app.enterprise_body(token, "legal_face", "enterprise", &uscc("91"), extra).await;
    assert_eq!(app.start_enterprise(token, &body).await.code(), "AGREEMENTS_REQUIRED", "the acceptance agreement");
    let body = with(body, json!({"acceptance": acceptance()}));
    let started = app.start_enterprise(token, &body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    assert_eq!(me(&app, token).await["verification"]["state"], "personal", "the person until it passes");
    assert_eq!(app.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let after = me(&app, token).await;
    assert_eq!(after["verification"]["state"], "enterprise", "{after:?}");
    assert_eq!(after["verification"]["name"], "云杉数据科技有限公司");
    let h = history(&app, token).await;
    assert_eq!(
        (h["changes"][0]["state"].as_str(), h["changes"][0]["to"].as_str()),
        (Some("completed"), Some("云杉数据科技有限公司"))
    );
    // The document's slot came back: a sixth account verifies with it.
    let (_, _, sixth) = app.signed_in_user().await;
    assert_eq!(app.bank_card(&sixth, "王五", &document, &card_number("622202")).await.status, 201);
}

#[tokio::test]
async fn a_change_to_an_enterprise_has_five_attempts_per_method_and_withdrawing_resets_them() {
    // CHG-4, under a burst of 50
    let app = spawn_app().await;
    let (_, token, _) = person(&app).await;
    let id = enterprise_change_proven(&app, &token).await;
    let body = change_application(&app, &token, &id, "enterprise", "91").await;
    let replies = app.burst("/v1/enterprise/applications", &token, &body).await;
    let started = replies.iter().filter(|r| r.status == 201).count();
    let exhausted: Vec<&Reply> = replies.iter().filter(|r| r.code() == "METHOD_ATTEMPTS_EXHAUSTED").collect();
    assert_eq!(
        (started, exhausted.len()),
        (5, 45),
        "{:?}",
        replies.iter().map(|r| r.code().to_owned()).collect::<Vec<_>>()
    );
    assert_eq!(exhausted[0].body["error"]["details"]["remaining_methods"], json!(["corporate_transfer"]));
    // The account's own enterprise attempts are untouched.
    let o = app.call("GET", "/v1/enterprise", Some(&token), None).await;
    assert_eq!(o.body["methods"][0]["attempts_left"], 10);
    let recharge = app
        .enterprise_body(
            &token,
            "recharge",
            "enterprise",
            &uscc("91"),
            json!({"change_id": id, "acceptance": acceptance()}),
        )
        .await;
    assert_eq!(app.start_enterprise(&token, &recharge).await.code(), "METHOD_NOT_OFFERED");

    let withdrawal = app.call("POST", &format!("/v1/subject-changes/{id}/withdrawal"), Some(&token), None).await;
    assert_eq!(withdrawal.status, 204);
    let again = enterprise_change_proven(&app, &token).await;
    let body = with(body, json!({"change_id": again}));
    assert_eq!(app.start_enterprise(&token, &body).await.status, 201, "a new change has its own attempts");
}

#[tokio::test]
async fn an_organisation_reviewed_within_a_change_withdrawn_meanwhile_is_not_approved() {
    // CHG-4 with another organisation (manual review): the change ends first, the approval is
    // blocked and the account keeps its person.
    let app = spawn_app().await;
    let (_, token, _) = person(&app).await;
    let id = enterprise_change_proven(&app, &token).await;
    let body = change_application(&app, &token, &id, "foundation", "53").await;
    let started = app.start_enterprise(&token, &body).await;
    assert_eq!(app.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let withdrawal = app.call("POST", &format!("/v1/subject-changes/{id}/withdrawal"), Some(&token), None).await;
    assert_eq!(withdrawal.status, 204);
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let blocked =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({"decision": "approve"})).await;
    assert_eq!(blocked.code(), "DECISION_BLOCKED", "{:?}", blocked.body);
    assert_eq!(me(&app, &token).await["verification"]["state"], "personal");

    // Without the withdrawal the approval completes the change.
    let (_, token, _) = person(&app).await;
    let id = enterprise_change_proven(&app, &token).await;
    let body = change_application(&app, &token, &id, "foundation", "53").await;
    let started = app.start_enterprise(&token, &body).await;
    assert_eq!(app.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let approved =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({"decision": "approve"})).await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    assert_eq!(me(&app, &token).await["verification"]["state"], "enterprise");
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "completed");
}

/// A company's change of organisation, started and its contact's face check passed: (change id,
/// the new organisation's code).
async fn subject_change_with_form_awaited(app: &TestApp, token: &str) -> (String, String) {
    let new_code = uscc("91");
    let body = json!({
        "kind": "enterprise_subject", "agreements": agreements(false),
        "new_subject": {"organisation_type": "enterprise", "name": "松柏云计算有限公司", "uscc": new_code},
        "reason": "the business moved to the group's new company",
        "contact": {"name": "赵六", "id_number": unique_id_number()},
    });
    let started = start(app, token, body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let id = started.body["change_id"].as_str().unwrap().to_owned();
    let card = step(app, token, &id, "owner-proof", card_proof(app, "622202").await).await;
    assert_eq!(card.code(), "INVALID_FIELD", "the contact proves themselves by face");
    let face = step(app, token, &id, "owner-proof", json!({"method": "face"})).await;
    assert_eq!(app.scan_face(face.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    (id, new_code)
}

/// A change of organisation whose stamped form a reviewer approved: (change id, the new code).
async fn subject_change_approved(app: &TestApp, token: &str) -> (String, String) {
    let (id, new_code) = subject_change_with_form_awaited(app, token).await;
    let stamped = app.upload(token, "change-form", jpeg(3000)).await;
    step(app, token, &id, "new-subject", json!({"material": {"change-form": stamped}})).await;
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let approved =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({"decision": "approve"})).await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    (id, new_code)
}

/// An application of `method` by the new organisation a change of organisation names.
async fn new_organisation_body(app: &TestApp, token: &str, method: &str, id: &str, code: &str) -> Value {
    let change = json!({"change_id": id, "acceptance": acceptance()});
    let mut body = app.enterprise_body(token, method, "enterprise", code, change).await;
    body["name"] = json!("松柏云计算有限公司");
    body
}

#[tokio::test]
async fn a_company_hands_the_account_to_another_company_through_review_and_its_verification() {
    // CHG-3
    let app = spawn_app().await;
    let (_, token) = company(&app).await;
    let (id, new_code) = subject_change_with_form_awaited(&app, &token).await;
    let h = history(&app, &token).await;
    assert_eq!(h["changes"][0]["state"], "awaiting_form");
    let form = h["changes"][0]["application_form"].as_str().unwrap();
    assert!(
        form.contains("云杉数据科技有限公司") && form.contains("松柏云计算有限公司") && form.contains(&new_code),
        "{form}"
    );
    assert!(form.contains("赵*"), "the contact, masked: {form}");
    let stamped = app.upload(&token, "change-form", jpeg(3000)).await;
    let submitted = step(&app, &token, &id, "new-subject", json!({"material": {"change-form": stamped}})).await;
    assert_eq!(submitted.body["state"], "in_review", "{:?}", submitted.body);

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    assert_eq!(case["kind"], "enterprise_subject_change");
    assert_eq!(case["details"]["original_contact"]["name"], "赵六");
    assert!(case["details"]["new_subject"].as_str().unwrap().contains(&new_code));
    let approved =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({"decision": "approve"})).await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    let h = history(&app, &token).await;
    assert_eq!(h["changes"][0]["state"], "awaiting_new_enterprise");
    let by = chrono::DateTime::parse_from_rfc3339(h["changes"][0]["submit_by"].as_str().unwrap()).unwrap();
    assert_eq!(by.with_timezone(&chrono::Utc), app.clock_now() + Duration::days(9), "9 days for the new subject");
    assert_eq!(
        me(&app, &token).await["verification"]["name"],
        "云杉数据科技有限公司",
        "the original until it verifies"
    );
    let sms = app.state().services.sandbox_sms().unwrap().messages(None);
    assert!(sms.iter().any(|m| m.text.contains("9 days")), "the bound phone is told");

    // Only the organisation the change names may verify.
    let change = json!({"change_id": id, "acceptance": acceptance()});
    let other = app.enterprise_body(&token, "legal_face", "enterprise", &uscc("91"), change.clone()).await;
    assert_eq!(app.start_enterprise(&token, &other).await.code(), "INVALID_FIELD");
    let mut body = app.enterprise_body(&token, "legal_face", "enterprise", &new_code, change).await;
    body["name"] = json!("松柏云计算有限公司");
    let started = app.start_enterprise(&token, &body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    assert_eq!(app.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let after = me(&app, &token).await;
    assert_eq!(
        (after["verification"]["name"].as_str(), after["verification"]["uscc"].as_str()),
        (Some("松柏云计算有限公司"), Some(new_code.as_str()))
    );
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "completed");
}

#[tokio::test]
async fn an_approved_change_of_organisation_lapses_after_nine_days_and_the_original_stays() {
    // CHG-3, under the test clock
    let app = spawn_isolated_app().await;
    let (username, token) = company(&app).await;
    let (id, new_code) = subject_change_approved(&app, &token).await;
    app.clock.advance(Duration::days(9) - Duration::minutes(1));
    app.gateway.fire_schedules().await.unwrap();
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "awaiting_new_enterprise");
    app.clock.advance(Duration::minutes(2));
    app.gateway.fire_schedules().await.unwrap();
    assert_eq!(history(&app, &token).await["changes"][0]["state"], "withdrawn");
    let body = new_organisation_body(&app, &token, "legal_face", &id, &new_code).await;
    assert_eq!(app.start_enterprise(&token, &body).await.code(), "CHANGE_NOT_AT_STEP");
    assert_eq!(me(&app, &token).await["verification"]["name"], "云杉数据科技有限公司");
}

#[tokio::test]
async fn an_account_under_a_framework_contract_is_sent_to_its_account_manager() {
    // CHG-3's eligibility check
    let app = spawn_app().await;
    let (_, token) = company(&app).await;
    let account = me(&app, &token).await["account_id"].as_str().unwrap().to_owned();
    let marked =
        app.sandbox("POST", "/sandbox/platform/framework-contracts", Some(json!({"account_id": account}))).await;
    assert_eq!(marked.status, 201);
    let body = json!({
        "kind": "enterprise_subject", "agreements": agreements(false),
        "new_subject": {"organisation_type": "enterprise", "name": "松柏云计算有限公司", "uscc": uscc("91")},
        "reason": "moved", "contact": {"name": "赵六", "id_number": unique_id_number()},
    });
    let refused = start(&app, &token, body).await;
    assert_eq!(refused.code(), "CHANGE_NOT_ELIGIBLE");
    assert!(refused.body["error"]["message"].as_str().unwrap().contains("account manager"), "{:?}", refused.body);
}

#[tokio::test]
async fn a_recharge_arriving_after_its_change_of_organisation_ended_is_credited_and_the_application_fails() {
    // KYC-E6, CHG-3: before, the bank's notification failed as a whole (the money never credited,
    // the notification refused at every retry) when the change it would complete had ended.
    let app = spawn_isolated_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let verify = app.enterprise_body(&token, "legal_face", "enterprise", &uscc("91"), json!({})).await;
    let verified = app.start_enterprise(&token, &verify).await;
    assert_eq!(app.scan_face(verified.body["face"]["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let (id, new_code) = subject_change_approved(&app, &token).await;
    app.clock.advance(Duration::days(8));
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let mut body = new_organisation_body(&app, &token, "recharge", &id, &new_code).await;
    let (challenge, code) = app.seed_code_for(&phone, shared::domain::code::Purpose::ReceivingAccount).await;
    body["challenge_id"] = json!(challenge);
    body["code"] = json!(code);
    let started = app.start_enterprise(&token, &body).await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let receiving = started.body["remittance"]["receiving_account"].as_str().unwrap().to_owned();
    let amount = started.body["remittance"]["amount"].as_str().unwrap().to_owned();
    // The change's 9 days pass (the sweeper withdraws it); then the exact money arrives.
    app.clock.advance(Duration::days(1) + Duration::hours(1));
    app.gateway.fire_schedules().await.unwrap();
    let transfer = json!({"receiving_account": receiving, "amount": amount, "payer_name": "松柏云计算有限公司",
        "transfer_id": format!("t-{}", unique_username())});
    let reply = app.sandbox("POST", "/sandbox/bank/inbound-transfers", Some(transfer)).await;
    assert_eq!((reply.status, &reply.body["applied"]), (200, &json!(true)), "{:?}", reply.body);
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let after = me(&app, &token).await;
    assert_eq!(after["verification"]["name"], "云杉数据科技有限公司", "the original stays");
    assert_ne!(after["balance"], "0.00", "credited: {after:?}");
    let application = app.application(&token, started.body["application_id"].as_str().unwrap()).await;
    assert_eq!(application["state"], "failed", "{application:?}");
}
