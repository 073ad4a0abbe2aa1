//! Review cases end to end through the API: a customer uploads material through presigned URLs
//! to the emulator's S3 and submits an appeal; a staff user signs in (password and virtual MFA),
//! claims the case from the queue, views its material, decides; the customer sees the effect
//! [ACC-4, MFA-5, KYC-P7].

use api_tests::*;
use serde_json::json;

#[tokio::test]
async fn an_approved_mfa_unbind_appeal_unbinds_the_device_and_tells_the_customer() {
    let app = spawn_app().await;
    let (token, phone, appeal) = app.mfa_appeal().await;
    assert_eq!(appeal["state"], "submitted");
    assert_eq!(appeal["kind"], "mfa_unbind");
    assert!(appeal["due_at"].as_str().unwrap().ends_with('Z'), "times are RFC 3339 UTC");

    let reviewer = app.staff(&["reviewer"]).await;
    let queue = app.call("GET", "/v1/review/queue", Some(&reviewer.token), None).await;
    assert_eq!(queue.status, 200, "{:?}", queue.body);
    assert!(queue.body["open_cases"].as_array().unwrap().iter().any(|c| c["case_id"] == appeal["case_id"]));

    let (claim, case) = app.claim(&reviewer).await.expect("the case waits on the queue");
    assert_eq!(case["case_id"], appeal["case_id"]);
    assert_eq!(case["state"], "in_review");
    let material = case["material"].as_array().unwrap();
    assert_eq!(material.len(), 4);
    // The reviewer's view is a short-lived presigned GET of the very bytes the customer uploaded.
    let image = reqwest::get(material[0]["url"].as_str().unwrap()).await.unwrap();
    assert!(image.status().is_success());
    assert_eq!(image.bytes().await.unwrap().to_vec(), jpeg(2048));

    let decided =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({ "decision": "approve" })).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    assert_eq!(decided.body["state"], "approved");

    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], false, "{:?}", security.body);
    let mine = app.call("GET", "/v1/cases", Some(&token), None).await;
    assert_eq!(mine.body["cases"][0]["state"], "approved");
    let history: Vec<&str> =
        mine.body["cases"][0]["history"].as_array().unwrap().iter().map(|h| h["state"].as_str().unwrap()).collect();
    assert_eq!(history, ["submitted", "in_review", "approved"]);
    // The customer sees that a reviewer decided, never who.
    assert_eq!(mine.body["cases"][0]["history"][2]["by"], "reviewer");
    let sms = app.state().services.sandbox_sms().unwrap().messages(Some(&phone));
    assert!(sms.iter().any(|m| m.text.contains("was approved")), "{sms:?}");
}

#[tokio::test]
async fn a_rejection_needs_a_reason_which_the_customer_sees() {
    let app = spawn_app().await;
    let (token, phone, appeal) = app.mfa_appeal().await;
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let id = case["case_id"].as_str().unwrap();
    let no_reason = app.decide(&reviewer, id, &claim, json!({ "decision": "reject" })).await;
    assert_eq!((no_reason.status, no_reason.code()), (422, "REASON_REQUIRED"));
    let blank = app.decide(&reviewer, id, &claim, json!({ "decision": "reject", "reason": "  " })).await;
    assert_eq!(blank.code(), "REASON_REQUIRED");
    let rejected =
        app.decide(&reviewer, id, &claim, json!({ "decision": "reject", "reason": "the ID card is not held" })).await;
    assert_eq!(rejected.status, 200, "{:?}", rejected.body);

    let mine = app.call("GET", "/v1/cases", Some(&token), None).await;
    assert_eq!(mine.body["cases"][0]["case_id"], appeal["case_id"]);
    assert_eq!(mine.body["cases"][0]["state"], "rejected");
    assert_eq!(mine.body["cases"][0]["rejection_reason"], "the ID card is not held");
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], true, "a rejection changes nothing");
    let sms = app.state().services.sandbox_sms().unwrap().messages(Some(&phone));
    assert!(sms.iter().any(|m| m.text.contains("the ID card is not held")), "{sms:?}");
    // Decided: a second decision is refused, and the case can no longer be withdrawn.
    let again = app.decide(&reviewer, id, &claim, json!({ "decision": "approve" })).await;
    assert_eq!((again.status, again.code()), (409, "CASE_CLOSED"));
}

#[tokio::test]
async fn an_approved_phone_rebind_moves_the_phone_and_signs_the_account_out() {
    let app = spawn_app().await;
    let (username, old_phone, token) = app.signed_in_user().await;
    let new_phone = unique_phone();
    let body = app.rebind_appeal_body(&token, &new_phone).await;
    let appeal = app.call("POST", "/v1/appeals/phone-rebind", Some(&token), Some(body.clone())).await;
    assert_eq!(appeal.status, 201, "{:?}", appeal.body);
    let again = app.call("POST", "/v1/appeals/phone-rebind", Some(&token), Some(body)).await;
    assert_eq!((again.status, again.code()), (400, "CODE_USED"), "the code was used up");

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    assert!(case["details"]["new_phone"].as_str().unwrap().contains('*'), "the reviewer sees the new phone masked");
    let decided =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({ "decision": "approve" })).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);

    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 401, "signed out");
    let signed_in = app.sign_in(&username, PASSWORD).await;
    let fresh = signed_in.body["access_token"].as_str().unwrap();
    let me = app.call("GET", "/v1/accounts/me", Some(fresh), None).await;
    let shown = me.body["phone"].as_str().unwrap();
    assert!(
        shown.ends_with(&new_phone[new_phone.len() - 4..]) && !shown.ends_with(&old_phone[old_phone.len() - 4..]),
        "{shown}"
    );
}

#[tokio::test]
async fn an_approved_identity_case_verifies_the_person_as_submitted() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let material = app.material(&token, &["household-register"]).await;
    let id_number = unique_id_number();
    let opened = app
        .call(
            "POST",
            "/v1/verifications/personal/support-cases",
            Some(&token),
            Some(json!({ "document_type": "mainland_id_card", "name": "李新名", "id_number": id_number,
                "agreement": personal_agreement(), "material": material })),
        )
        .await;
    assert_eq!(opened.status, 201, "{:?}", opened.body);
    assert_eq!(opened.body["kind"], "identity_mismatch");

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    // The reviewer compares the person as submitted with the household register's photo.
    assert_eq!(case["details"]["name"], "李新名");
    assert_eq!(case["details"]["id_number"], id_number.as_str());
    assert_eq!(case["material"][0]["purpose"], "household-register");
    let decided =
        app.decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({ "decision": "approve" })).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["verification"]["state"], "personal", "{:?}", me.body);
}

#[tokio::test]
async fn two_reviewers_deciding_one_case_at_once_make_one_decision() {
    let app = spawn_app().await;
    let (token, _, appeal) = app.mfa_appeal().await;
    let (a, b) = (app.staff(&["reviewer"]).await, app.staff(&["reviewer"]).await);
    let (claim_a, case) = app.claim(&a).await.unwrap();
    let id = case["case_id"].as_str().unwrap().to_owned();
    assert_eq!(case["case_id"], appeal["case_id"]);
    // Nothing else waits while A holds the case.
    assert!(app.claim(&b).await.is_none());
    // A gives it back (as a lapsed lease would): B receives the same message and holds the claim.
    let released = app
        .call(
            "DELETE",
            &format!("/v1/review/cases/{id}/lease"),
            Some(&a.token),
            Some(json!({ "claim_token": claim_a })),
        )
        .await;
    assert_eq!(released.status, 204, "{:?}", released.body);
    let (claim_b, again) = app.claim(&b).await.expect("the case is back on the queue");
    assert_eq!(again["case_id"], id.as_str());

    // Both decide at once, opposite ways: exactly one decision applies (B's: B holds the claim).
    let (by_a, by_b) = tokio::join!(
        app.decide(&a, &id, &claim_a, json!({ "decision": "reject", "reason": "blurred" })),
        app.decide(&b, &id, &claim_b, json!({ "decision": "approve" })),
    );
    assert_eq!((by_a.status, by_a.code()), (409, "CLAIM_NOT_HELD"));
    assert_eq!(by_b.status, 200);
    // B twice at once, opposite ways, on a fresh case: one wins, the other is told it is closed.
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], false);

    let (_, _, second) = app.mfa_appeal().await;
    let (claim, case) = app.claim(&b).await.unwrap();
    assert_eq!(case["case_id"], second["case_id"]);
    let id = case["case_id"].as_str().unwrap();
    let decisions = futures::future::join_all((0..10).map(|i| {
        let decision =
            if i % 2 == 0 { json!({ "decision": "approve" }) } else { json!({ "decision": "reject", "reason": "r" }) };
        app.decide(&b, id, &claim, decision)
    }))
    .await;
    let applied = decisions.iter().filter(|d| d.status == 200).count();
    assert_eq!(applied, 1, "{:?}", decisions.iter().map(|d| (d.status, d.code().to_owned())).collect::<Vec<_>>());
    assert!(decisions.iter().filter(|d| d.status != 200).all(|d| d.code() == "CASE_CLOSED"));
    let read = app.call("GET", &format!("/v1/review/cases/{id}"), Some(&b.token), None).await;
    assert_eq!(read.body["history"].as_array().unwrap().len(), 3, "one decision in the history");
}

#[tokio::test]
async fn a_withdrawn_case_is_not_claimed_and_a_claimed_one_is_withdrawn_once() {
    // LIFE-1: the owner can always withdraw an open case; the reviewer then finds it closed.
    let app = spawn_app().await;
    let (token, _, appeal) = app.mfa_appeal().await;
    let id = appeal["case_id"].as_str().unwrap();
    let withdrawn = app.call("POST", &format!("/v1/cases/{id}/withdrawal"), Some(&token), None).await;
    assert_eq!(withdrawn.status, 200, "{:?}", withdrawn.body);
    assert_eq!(withdrawn.body["state"], "withdrawn");
    let reviewer = app.staff(&["reviewer"]).await;
    assert!(app.claim(&reviewer).await.is_none(), "its message is dropped when received");

    let (second_token, _, second) = app.mfa_appeal().await;
    let (_, case) = app.claim(&reviewer).await.unwrap();
    assert_eq!(case["case_id"], second["case_id"]);
    let late = app
        .call("POST", &format!("/v1/cases/{}/withdrawal", case["case_id"].as_str().unwrap()), Some(&second_token), None)
        .await;
    assert_eq!((late.status, &late.body["state"]), (200, &json!("withdrawn")), "{:?}", late.body);
    let path = format!("/v1/cases/{}/withdrawal", case["case_id"].as_str().unwrap());
    let again = app.call("POST", &path, Some(&second_token), None).await;
    assert_eq!((again.status, again.code()), (409, "CASE_NOT_WITHDRAWABLE"));
    // Someone else's case is not found.
    let (_, _, stranger) = app.signed_in_user().await;
    let foreign = app.call("POST", &format!("/v1/cases/{id}/withdrawal"), Some(&stranger), None).await;
    assert_eq!(foreign.status, 404);
}

#[tokio::test]
async fn staff_sign_in_needs_the_password_and_the_virtual_mfa_code() {
    let app = spawn_app().await;
    let reviewer = app.staff(&["reviewer"]).await;
    let wrong = app
        .call(
            "POST",
            "/v1/staff/sessions",
            None,
            Some(json!({ "username": reviewer.username, "password": "Wrong-Pass-2026!" })),
        )
        .await;
    let unknown = app
        .call(
            "POST",
            "/v1/staff/sessions",
            None,
            Some(json!({ "username": "nobody-here", "password": "Wrong-Pass-2026!" })),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (401, "STAFF_SIGN_IN_FAILED"));
    assert_eq!(wrong.body["error"]["message"], unknown.body["error"]["message"]);
    assert_eq!(unknown.status, 401);

    let username = format!("staff-{}", unique_username());
    local_env::staff::create_staff(&staff_pool().await, &username, "Review-Desk-2026!", &["reviewer"]).await.unwrap();
    let first = app
        .call(
            "POST",
            "/v1/staff/sessions",
            None,
            Some(json!({ "username": username, "password": "Review-Desk-2026!" })),
        )
        .await;
    assert_eq!(first.body["challenge"], "SOFTWARE_TOKEN_MFA");
    let bad_code = app
        .call(
            "POST",
            "/v1/staff/sessions/second-factor",
            None,
            Some(json!({ "username": username, "session": first.body["session"], "code": "000000" })),
        )
        .await;
    assert_eq!((bad_code.status, bad_code.code()), (401, "STAFF_SIGN_IN_FAILED"));
}

#[tokio::test]
async fn review_routes_take_staff_tokens_with_a_role_only() {
    let app = spawn_app().await;
    let (_, _, customer) = app.signed_in_user().await;
    assert_eq!(app.call("GET", "/v1/review/queue", Some(&customer), None).await.status, 401);
    assert_eq!(app.call("GET", "/v1/review/queue", None, None).await.status, 401);
    assert_eq!(app.call("GET", "/v1/review/queue", Some("Bearer not.a.jwt"), None).await.status, 401);
    let nobody = app.staff(&[]).await;
    let refused = app.call("POST", "/v1/review/claims", Some(&nobody.token), None).await;
    assert_eq!((refused.status, refused.code()), (403, "STAFF_ROLE_REQUIRED"));
    // A staff token does not sign in as a customer.
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&nobody.token), None).await.status, 401);
}

#[tokio::test]
async fn leases_extend_for_their_holder_and_every_staff_action_is_audited() {
    let app = spawn_app().await;
    let (_, _, appeal) = app.mfa_appeal().await;
    let id = appeal["case_id"].as_str().unwrap();
    let reviewer = app.staff(&["reviewer"]).await;
    let other = app.staff(&["reviewer"]).await;
    let (claim, _) = app.claim(&reviewer).await.unwrap();
    let lease = format!("/v1/review/cases/{id}/lease");
    let extended = app.call("PUT", &lease, Some(&reviewer.token), Some(json!({ "claim_token": claim }))).await;
    assert_eq!(extended.status, 200, "{:?}", extended.body);
    let stolen = app.call("PUT", &lease, Some(&other.token), Some(json!({ "claim_token": claim }))).await;
    assert_eq!((stolen.status, stolen.code()), (409, "CLAIM_NOT_HELD"));
    let decided = app.decide(&reviewer, id, &claim, json!({ "decision": "reject", "reason": "letter unsigned" })).await;
    assert_eq!(decided.status, 200);

    let trail = format!("/v1/review/cases/{id}/audit");
    assert_eq!(app.call("GET", &trail, Some(&reviewer.token), None).await.code(), "STAFF_ROLE_REQUIRED");
    let lead = app.staff(&["reviewer", "lead"]).await;
    let entries = app.call("GET", &trail, Some(&lead.token), None).await;
    assert_eq!(entries.status, 200, "{:?}", entries.body);
    let actions: Vec<&str> =
        entries.body["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["claim", "view", "extend_lease", "reject"]);
    assert!(entries.body["entries"].as_array().unwrap().iter().all(|e| e["staff"] == reviewer.username.as_str()));
}

#[tokio::test]
async fn the_letter_templates_download_as_files() {
    let app = spawn_app().await;
    for name in ["phone-rebind-letter", "mfa-unbind-letter"] {
        let reply = app.call("GET", &format!("/v1/templates/{name}"), None, None).await;
        assert_eq!(reply.status, 200);
        assert!(reply.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
        assert!(reply.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    }
    assert_eq!(app.call("GET", "/v1/templates/nothing", None, None).await.status, 404);
}

#[tokio::test]
async fn a_rejected_phone_rebind_is_told_to_the_new_phone_and_a_given_back_claim_decides_nothing() {
    let app = spawn_app().await;
    let (_, old_phone, token) = app.signed_in_user().await;
    let new_phone = unique_phone();
    let body = app.rebind_appeal_body(&token, &new_phone).await;
    let appeal = app.call("POST", "/v1/appeals/phone-rebind", Some(&token), Some(body)).await;
    assert_eq!(appeal.status, 201, "{:?}", appeal.body);

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let id = case["case_id"].as_str().unwrap();
    // Given back, the claim no longer decides (whoever claims next does).
    let lease = format!("/v1/review/cases/{id}/lease");
    let back = app.call("DELETE", &lease, Some(&reviewer.token), Some(json!({ "claim_token": claim }))).await;
    assert_eq!(back.status, 204, "{:?}", back.body);
    let late = app.decide(&reviewer, id, &claim, json!({ "decision": "approve" })).await;
    assert_eq!((late.status, late.code()), (409, "CLAIM_NOT_HELD"));
    let (claim, _) = app.claim(&reviewer).await.expect("the case waits again");
    let rejected =
        app.decide(&reviewer, id, &claim, json!({ "decision": "reject", "reason": "the letter is not signed" })).await;
    assert_eq!(rejected.status, 200, "{:?}", rejected.body);

    let sms = app.state().services.sandbox_sms().unwrap();
    assert!(sms.messages(Some(&new_phone)).iter().any(|m| m.text.contains("the letter is not signed")));
    assert!(!sms.messages(Some(&old_phone)).iter().any(|m| m.text.contains("not signed")), "the old phone is unusable");
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.status, 200, "a rejection signs nobody out");
    assert!(me.body["phone"].as_str().unwrap().ends_with(&old_phone[old_phone.len() - 4..]));
}

#[tokio::test]
async fn a_rejected_identity_case_leaves_the_account_unverified_and_says_why() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let material = app.material(&token, &["household-register"]).await;
    let opened = app
        .call(
            "POST",
            "/v1/verifications/personal/support-cases",
            Some(&token),
            Some(json!({ "document_type": "mainland_id_card", "name": "王改名", "id_number": unique_id_number(),
                "agreement": personal_agreement(), "material": material })),
        )
        .await;
    assert_eq!(opened.status, 201, "{:?}", opened.body);
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let reason = "the household register page shows another name";
    let rejected = app
        .decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({ "decision": "reject", "reason": reason }))
        .await;
    assert_eq!(rejected.status, 200, "{:?}", rejected.body);
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.body["verification"]["state"], "unverified");
    let mine = app.call("GET", "/v1/cases", Some(&token), None).await;
    assert_eq!(mine.body["cases"][0]["rejection_reason"], reason);
}

#[tokio::test]
async fn an_approval_that_would_break_the_phone_cap_is_blocked_and_the_case_can_still_be_rejected() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let new_phone = unique_phone();
    let body = app.rebind_appeal_body(&token, &new_phone).await;
    assert_eq!(app.call("POST", "/v1/appeals/phone-rebind", Some(&token), Some(body)).await.status, 201);
    // Meanwhile the new phone gets its 10 cloud accounts [REG-2].
    for _ in 0..10 {
        let (challenge, code) = app.seed_code(&new_phone).await;
        let registered = app.register_with(&unique_username(), PASSWORD, &new_phone, &challenge, &code).await;
        assert_eq!(registered.status, 201, "{:?}", registered.body);
    }
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let id = case["case_id"].as_str().unwrap();
    let blocked = app.decide(&reviewer, id, &claim, json!({ "decision": "approve" })).await;
    assert_eq!((blocked.status, blocked.code()), (409, "DECISION_BLOCKED"), "{:?}", blocked.body);
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.status, 200, "nothing changed: still signed in");
    let rejected = app
        .decide(
            &reviewer,
            id,
            &claim,
            json!({ "decision": "reject", "reason": "the new phone has 10 accounts already" }),
        )
        .await;
    assert_eq!(rejected.status, 200, "{:?}", rejected.body);
}

#[tokio::test]
async fn an_unbind_approval_removes_only_the_device_of_the_appeal() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let (lost, _) = app.bind_totp(&token, &phone).await;
    let material = app.material(&token, &APPEAL_MATERIAL).await;
    let appeal = app.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({ "material": material }))).await;
    assert_eq!(appeal.status, 201, "{:?}", appeal.body);
    // The device turns up again: the owner unbinds it and binds a new one while the case waits.
    app.clock.advance(chrono::Duration::minutes(6));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let code = totp_code(&app, &lost, 0);
    let unbound = app.call("POST", "/v1/mfa/totp/unbind", Some(&token), Some(json!({ "code": code }))).await;
    assert_eq!(unbound.status, 200, "{:?}", unbound.body);
    app.clock.advance(chrono::Duration::minutes(2));
    app.bind_totp(&token, &phone).await;

    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let id = case["case_id"].as_str().unwrap();
    let blocked = app.decide(&reviewer, id, &claim, json!({ "decision": "approve" })).await;
    assert_eq!((blocked.status, blocked.code()), (409, "DECISION_BLOCKED"), "{:?}", blocked.body);
    let security = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(security.body["totp_bound"], true, "the new device stays");
}

#[tokio::test]
async fn one_open_case_of_a_kind_per_account_even_when_submitted_at_once() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    app.bind_totp(&token, &phone).await;
    let material = app.material(&token, &APPEAL_MATERIAL).await;
    let submit = || app.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({ "material": material })));
    let answers = futures::future::join_all((0..10).map(|_| submit())).await;
    let created: Vec<_> = answers.iter().filter(|a| a.status == 201).collect();
    assert_eq!(created.len(), 1, "{:?}", answers.iter().map(|a| (a.status, a.code().to_owned())).collect::<Vec<_>>());
    assert!(answers.iter().filter(|a| a.status != 201).all(|a| a.code() == "CASE_ALREADY_OPEN"));
    let mine = app.call("GET", "/v1/cases", Some(&token), None).await;
    assert_eq!(mine.body["cases"].as_array().unwrap().len(), 1);
    // Withdrawn, the kind is free again; decided likewise.
    let id = created[0].body["case_id"].as_str().unwrap();
    assert_eq!(app.call("POST", &format!("/v1/cases/{id}/withdrawal"), Some(&token), None).await.status, 200);
    assert_eq!(submit().await.status, 201);
    let reviewer = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&reviewer).await.unwrap();
    let decided = app
        .decide(&reviewer, case["case_id"].as_str().unwrap(), &claim, json!({ "decision": "reject", "reason": "r" }))
        .await;
    assert_eq!(decided.status, 200);
    assert_eq!(submit().await.status, 201);
}

#[tokio::test]
async fn staff_sign_in_is_throttled_per_name_and_source_and_an_mfa_session_takes_three_codes() {
    // LOGIN-6 for staff (issue 25): before this, 40 parallel wrong passwords then the right one
    // signed in, and 20 wrong codes on one MFA session then the right one gave a token.
    let app = spawn_app().await;
    let username = format!("staff-{}", unique_username());
    let secret = local_env::staff::create_staff(&staff_pool().await, &username, "Review-Desk-2026!", &["reviewer"])
        .await
        .unwrap();
    let attempt = |password: &'static str, source: String| {
        let (app, username) = (&app, username.clone());
        async move {
            let body = bytes::Bytes::from(json!({ "username": username, "password": password }).to_string());
            app.call_from(&source, "POST", "/v1/staff/sessions", None, body).await
        }
    };
    let burst = (0..40).map(|_| attempt("Wrong-Pass-2026!", "198.51.100.7".into()));
    let replies = futures::future::join_all(burst).await;
    let checked = replies.iter().filter(|r| r.code() == "STAFF_SIGN_IN_FAILED").count();
    assert_eq!(checked, 5, "{:?}", replies.iter().map(|r| r.code().to_owned()).collect::<Vec<_>>());
    assert_eq!(attempt("Review-Desk-2026!", "198.51.100.7".into()).await.code(), "SIGN_IN_LOCKED");
    // From elsewhere the name asks for a captcha (never a lock-out of its owner).
    let elsewhere = attempt("Review-Desk-2026!", "203.0.113.9".into()).await;
    assert_eq!(elsewhere.code(), "CAPTCHA_REQUIRED", "{:?}", elsewhere.body);
    let (captcha_id, answer) = app.solved_captcha().await;
    let body = json!({ "username": username, "password": "Review-Desk-2026!", "captcha_id": captcha_id, "captcha_answer": answer });
    let first =
        app.call_from("203.0.113.9", "POST", "/v1/staff/sessions", None, bytes::Bytes::from(body.to_string())).await;
    assert_eq!(first.status, 200, "{:?}", first.body);

    // The MFA step: three wrong codes, then even the right one is refused on this session.
    let wrong = json!({ "username": username, "session": first.body["session"], "code": "000000" });
    let codes = futures::future::join_all(
        (0..20).map(|_| app.call("POST", "/v1/staff/sessions/second-factor", None, Some(wrong.clone()))),
    )
    .await;
    let tried = codes.iter().filter(|r| r.code() == "STAFF_SIGN_IN_FAILED").count();
    assert!(tried <= 3, "{:?}", codes.iter().map(|r| r.code().to_owned()).collect::<Vec<_>>());
    let code = local_env::staff::mfa_code(&secret).await.unwrap();
    let right = json!({ "username": username, "session": first.body["session"], "code": code });
    let late = app.call("POST", "/v1/staff/sessions/second-factor", None, Some(right)).await;
    assert_eq!(late.code(), "SIGN_IN_LOCKED", "{:?}", late.body);
}

#[tokio::test]
async fn cases_and_the_review_queue_come_a_page_at_a_time() {
    // Issue 26: every list has a cursor and a page size.
    let app = spawn_app().await;
    let (token, _, first) = app.mfa_appeal().await;
    let mut mine = vec![first["case_id"].as_str().unwrap().to_owned()];
    for _ in 0..2 {
        let withdrawal = format!("/v1/cases/{}/withdrawal", mine.last().unwrap());
        assert_eq!(app.call("POST", &withdrawal, Some(&token), None).await.status, 200);
        app.clock.advance(chrono::Duration::minutes(1));
        let material = app.material(&token, &APPEAL_MATERIAL).await;
        let appeal =
            app.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({ "material": material }))).await;
        assert_eq!(appeal.status, 201, "{:?}", appeal.body);
        mine.push(appeal.body["case_id"].as_str().unwrap().to_owned());
    }
    let page = app.call("GET", "/v1/cases?limit=2", Some(&token), None).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let ids = |body: &serde_json::Value, list: &str| -> Vec<String> {
        body[list].as_array().unwrap().iter().map(|c| c["case_id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(&page.body, "cases"), [mine[2].clone(), mine[1].clone()], "newest first");
    let cursor = page.body["next_cursor"].as_str().expect("a next page").to_owned();
    let last = app.call("GET", &format!("/v1/cases?limit=2&cursor={cursor}"), Some(&token), None).await;
    assert_eq!(ids(&last.body, "cases"), [mine[0].clone()]);
    assert!(last.body["next_cursor"].is_null(), "the last page says so");
    // Another account's list with this cursor starts at the same place in its own cases: none.
    let (_, _, stranger) = app.signed_in_user().await;
    let foreign = app.call("GET", &format!("/v1/cases?cursor={cursor}"), Some(&stranger), None).await;
    assert_eq!((foreign.status, foreign.body["cases"].as_array().unwrap().len()), (200, 0));
    for bad in ["limit=0", "limit=101", "limit=two", "cursor=bm90LWEtY3Vyc29y", "cursor=%21%21"] {
        let refused = app.call("GET", &format!("/v1/cases?{bad}"), Some(&token), None).await;
        assert_eq!((refused.status, refused.code()), (422, "INVALID_FIELD"), "{bad}");
    }

    // The reviewers' open cases (the other tests' too: the queue is shared), two a page: each
    // open case once, in due order.
    let mut open = vec![mine[2].clone()];
    for _ in 0..2 {
        let (_, _, appeal) = app.mfa_appeal().await;
        open.push(appeal["case_id"].as_str().unwrap().to_owned());
    }
    let reviewer = app.staff(&["reviewer"]).await;
    let (mut seen, mut dues, mut cursor) = (vec![], vec![], None::<String>);
    for _ in 0..1000 {
        let path = match &cursor {
            Some(c) => format!("/v1/review/queue?limit=2&cursor={c}"),
            None => "/v1/review/queue?limit=2".to_owned(),
        };
        let page = app.call("GET", &path, Some(&reviewer.token), None).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        assert!(page.body["open_cases"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page.body, "open_cases"));
        dues.extend(
            page.body["open_cases"].as_array().unwrap().iter().map(|c| c["due_at"].as_str().unwrap().to_owned()),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let distinct: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no case twice");
    assert!(open.iter().all(|id| seen.contains(id)), "each of ours: {open:?}");
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "soonest due first");
}

/// A lead takes a claim from a reviewer who went away: the case waits again and another reviewer
/// claims it at once; the first reviewer's claim no longer decides; the release is audited, the
/// customer reads no staff name; the figures count the decision [issue 28].
#[tokio::test]
async fn a_lead_releases_a_claim_another_reviewer_decides_and_the_figures_count_it() {
    let app = spawn_isolated_app().await;
    let (token, _, appeal) = app.mfa_appeal().await;
    let case_id = appeal["case_id"].as_str().unwrap();
    let first = app.staff(&["reviewer"]).await;
    let lead = app.staff(&["reviewer", "lead"]).await;
    let (first_claim, _) = app.claim(&first).await.expect("the case waits");

    let figures = app.call("GET", "/v1/review/figures", Some(&lead.token), None).await;
    assert_eq!(figures.status, 200, "{:?}", figures.body);
    let unbind = |f: &serde_json::Value| {
        f["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "mfa_unbind").unwrap().clone()
    };
    let before = unbind(&figures.body);
    assert_eq!((before["open"].as_u64(), before["in_review"].as_u64()), (Some(1), Some(1)), "{before}");
    assert_eq!(figures.body["complete"], true);

    let path = format!("/v1/review/cases/{case_id}/release");
    let not_lead = app.call("POST", &path, Some(&first.token), None).await;
    assert_eq!((not_lead.status, not_lead.code()), (403, "STAFF_ROLE_REQUIRED"), "{:?}", not_lead.body);
    let released = app.call("POST", &path, Some(&lead.token), None).await;
    assert_eq!(released.status, 200, "{:?}", released.body);
    assert_eq!(released.body["state"], "submitted");
    let again = app.call("POST", &path, Some(&lead.token), None).await;
    assert_eq!((again.status, again.code()), (409, "CLAIM_NOT_HELD"), "nobody holds it now: {:?}", again.body);

    let stale = app.decide(&first, case_id, &first_claim, json!({ "decision": "approve" })).await;
    assert_eq!((stale.status, stale.code()), (409, "CLAIM_NOT_HELD"), "{:?}", stale.body);
    let second = app.staff(&["reviewer"]).await;
    let (claim, case) = app.claim(&second).await.expect("put on the queue again at once");
    assert_eq!(case["case_id"], case_id);
    let decided = app.decide(&second, case_id, &claim, json!({ "decision": "approve" })).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);

    let trail = app.call("GET", &format!("/v1/review/cases/{case_id}/audit"), Some(&lead.token), None).await;
    let actions: Vec<(&str, &str)> = trail.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["staff"].as_str().unwrap(), e["action"].as_str().unwrap()))
        .collect();
    assert!(actions.contains(&(lead.username.as_str(), "lead_release")), "{actions:?}");
    let mine = app.call("GET", "/v1/cases", Some(&token), None).await;
    let history = mine.body["cases"][0]["history"].to_string();
    assert!(history.contains("claim released by a lead") && !history.contains(&lead.username), "{history}");

    let after = unbind(&app.call("GET", "/v1/review/figures", Some(&lead.token), None).await.body);
    assert_eq!((after["open"].as_u64(), after["decided_last_7_days"].as_u64()), (Some(0), Some(1)), "{after}");
    assert!(after["median_minutes_to_decision"].as_i64().is_some(), "{after}");
    let refused = app.call("GET", "/v1/review/figures", Some(&second.token), None).await;
    assert_eq!(refused.code(), "STAFF_ROLE_REQUIRED");
}
