//! Account deletion [DEL-1..DEL-3] through the API: the condition check, the forfeits, the second
//! confirmation under operation protection, and what is left afterwards.

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};

fn deletion_agreement() -> Value {
    json!([{"id": "account-deletion-agreement", "version": "2024-06"}])
}

async fn check(app: &TestApp, token: &str) -> Reply {
    app.call("POST", "/v1/account-deletions", Some(token), Some(json!({"agreements": deletion_agreement()}))).await
}

async fn set_standing(app: &TestApp, account_id: &str, standing: Value) {
    let set = app
        .sandbox(
            "POST",
            "/sandbox/platform/account-standing",
            Some(json!({"account_id": account_id, "standing": standing})),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
}

async fn confirm(app: &TestApp, token: &str, checked: &Reply, forfeits: Value) -> Reply {
    let confirmation = &checked.body["confirmation"];
    let path = format!("/v1/account-deletions/{}/confirmation", confirmation["deletion_id"].as_str().unwrap());
    let body = json!({"confirmation_token": confirmation["confirmation_token"], "acknowledged_forfeits": forfeits});
    app.call("POST", &path, Some(token), Some(body)).await
}

async fn account_id(app: &TestApp, token: &str) -> String {
    app.call("GET", "/v1/accounts/me", Some(token), None).await.body["account_id"].as_str().unwrap().to_owned()
}

/// Checks, steps up by SMS and confirms: the confirmation's answer.
async fn delete(app: &TestApp, token: &str, phone: &str) -> Reply {
    let checked = check(app, token).await;
    assert_eq!(checked.body["passed"], true, "{:?}", checked.body);
    assert_eq!(app.step_up_by_sms(token, phone).await.status, 201);
    confirm(app, token, &checked, json!([])).await
}

/// A cloud account's erasure as its deletion writes it, not begun.
fn erasure_of(
    account_id: shared::domain::ids::AccountId,
    deleted_at: chrono::DateTime<chrono::Utc>,
) -> shared::domain::deletion::Erasure {
    shared::domain::deletion::Erasure {
        credential: None,
        account_id,
        kind: shared::domain::account::AccountKind::Cloud,
        deleted_at,
        ledger_entries: vec![],
        finished_at: None,
        erased_items: 0,
        erased_files: 0,
    }
}

fn condition<'a>(checked: &'a Reply, name: &str) -> &'a Value {
    checked.body["conditions"].as_array().unwrap().iter().find(|c| c["condition"] == name).unwrap()
}

/// Every stored item that names the account, as text.
async fn items_naming(app: &TestApp, account_id: &str) -> Vec<String> {
    let dynamo = app.dynamo().await;
    let mut found = vec![];
    for table in shared::tables::ALL {
        let mut start = None;
        loop {
            let out = dynamo.scan().table_name(table.logical_id).set_exclusive_start_key(start).send().await.unwrap();
            for item in out.items.unwrap_or_default() {
                let text = format!("{item:?}");
                if text.contains(account_id) {
                    found.push(text);
                }
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
    }
    found
}

#[tokio::test]
async fn the_check_reports_each_condition_with_where_to_fix_it_and_blocks_on_the_blocking_ones() {
    // DEL-1
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let no_agreement = app.call("POST", "/v1/account-deletions", Some(&token), Some(json!({"agreements": []}))).await;
    assert_eq!((no_agreement.status, no_agreement.code()), (422, "AGREEMENTS_REQUIRED"));

    let clean = check(&app, &token).await;
    assert_eq!(clean.status, 200, "{:?}", clean.body);
    assert_eq!(clean.body["passed"], true);
    let conditions = clean.body["conditions"].as_array().unwrap();
    assert_eq!(conditions.len(), 9);
    assert!(conditions.iter().all(|c| c["passed"] == true && c["fix_at"].is_null()));
    assert_eq!(clean.body["confirmation"]["confirmation_token"].as_str().unwrap().len(), 64);

    let id = account_id(&app, &token).await;
    let standing = json!({
        "unfinished_orders": 2, "arrears_fen": 1230, "open_complaints_made": 1, "open_complaints_received": 1,
        "in_enterprise_organisation": true, "vouchers": 3,
    });
    set_standing(&app, &id, standing).await;
    let blocked = check(&app, &token).await;
    assert_eq!(blocked.body["passed"], false);
    assert!(blocked.body["confirmation"].is_null(), "no confirmation while a blocking condition fails");
    for name in
        ["unfinished_orders", "arrears", "open_complaints_made", "open_complaints_received", "enterprise_organisation"]
    {
        let c = condition(&blocked, name);
        assert_eq!((c["passed"].clone(), c["severity"].clone()), (json!(false), json!("blocking")), "{c}");
        assert!(c["fix_at"]["where"].as_str().unwrap().len() > 5, "{c}");
    }
    assert_eq!(condition(&blocked, "arrears")["found"], "CNY 12.30 owed");
    assert_eq!(condition(&blocked, "arrears")["fix_at"]["path"], "/finance/overview");
    assert_eq!(condition(&blocked, "enterprise_organisation")["fix_at"]["path"], "/organisation");
    let vouchers = condition(&blocked, "vouchers");
    assert_eq!((vouchers["passed"].clone(), vouchers["severity"].clone()), (json!(false), json!("forfeit")));
    for name in ["cash_balance", "resources_in_use", "work_in_progress"] {
        assert_eq!(condition(&blocked, name)["passed"], true, "{name}");
    }
}

#[tokio::test]
async fn a_balance_vouchers_and_resources_are_forfeited_only_when_acknowledged() {
    // DEL-1: proceeding knowingly gives them up
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let id = account_id(&app, &token).await;
    set_standing(&app, &id, json!({"vouchers": 2, "resources_in_use": 1})).await;
    let checked = check(&app, &token).await;
    assert_eq!(checked.body["passed"], true, "forfeits do not block: {:?}", checked.body);
    assert_eq!(checked.body["forfeits"], json!(["vouchers", "resources_in_use"]));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);

    let unacknowledged = confirm(&app, &token, &checked, json!(["vouchers"])).await;
    assert_eq!((unacknowledged.status, unacknowledged.code()), (409, "FORFEITS_NOT_ACKNOWLEDGED"));
    assert_eq!(unacknowledged.body["error"]["details"]["forfeits"], json!(["resources_in_use"]));
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200, "nothing was deleted");

    let deleted = confirm(&app, &token, &checked, json!(["vouchers", "resources_in_use"])).await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.body["account_id"], json!(id));
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 401);
}

#[tokio::test]
async fn the_confirmation_needs_a_step_up_and_checks_again() {
    // DEL-2
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let id = account_id(&app, &token).await;
    let checked = check(&app, &token).await;
    let unprotected = confirm(&app, &token, &checked, json!([])).await;
    assert_eq!((unprotected.status, unprotected.code()), (403, "STEP_UP_REQUIRED"));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);

    // Arrears after the check: the confirmation checks again.
    set_standing(&app, &id, json!({"arrears_fen": 500})).await;
    let blocked = confirm(&app, &token, &checked, json!([])).await;
    assert_eq!((blocked.status, blocked.code()), (409, "DELETION_BLOCKED"));
    assert_eq!(blocked.body["error"]["details"]["conditions"], json!(["arrears"]));
    set_standing(&app, &id, json!({})).await;
    let deleted = confirm(&app, &token, &checked, json!([])).await;
    assert_eq!(deleted.status, 200, "the same token once the arrears are paid: {:?}", deleted.body);
}

#[tokio::test]
async fn the_token_is_single_use_short_lived_and_bound_to_the_session_that_checked() {
    // DEL-2: a single-use, short-lived confirmation
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let checked = check(&app, &token).await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);

    let mut forged = checked.clone();
    forged.body["confirmation"]["confirmation_token"] = json!("0".repeat(64));
    let wrong = confirm(&app, &token, &forged, json!([])).await;
    assert_eq!((wrong.status, wrong.code()), (409, "DELETION_CONFIRMATION_INVALID"));

    let other = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.step_up_by_sms(&other, &phone).await.status, 201);
    let foreign = confirm(&app, &other, &checked, json!([])).await;
    assert_eq!(foreign.code(), "DELETION_CONFIRMATION_INVALID", "another session's token");

    let (_, stranger_phone, stranger) = app.signed_in_user().await;
    assert_eq!(app.step_up_by_sms(&stranger, &stranger_phone).await.status, 201);
    let strangers = confirm(&app, &stranger, &checked, json!([])).await;
    assert_eq!(strangers.code(), "DELETION_CONFIRMATION_INVALID", "another account's deletion");

    app.clock.advance(Duration::minutes(10));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let late = confirm(&app, &token, &checked, json!([])).await;
    assert_eq!(late.code(), "DELETION_CONFIRMATION_INVALID", "ten minutes after the check");

    let again = check(&app, &token).await;
    assert_eq!(confirm(&app, &token, &again, json!([])).await.status, 200);
    let reused = confirm(&app, &token, &again, json!([])).await;
    assert_eq!(reused.status, 401, "the session ended with the account: {:?}", reused.body);
}

#[tokio::test]
async fn after_deletion_sessions_end_sign_in_fails_like_an_unknown_account_and_the_username_stays_taken() {
    // DEL-3, REG-1
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let other = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let id = account_id(&app, &token).await;
    let id_number = app.verify_by_face(&token).await;
    app.upload(&token, "id-card-front", jpeg(2048)).await;

    let deleted = delete(&app, &token, &phone).await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    for t in [&token, &other] {
        assert_eq!(app.call("GET", "/v1/accounts/me", Some(t), None).await.status, 401, "every session ended");
    }
    let signed_in = app.sign_in(&username, PASSWORD).await;
    let unknown = app.sign_in(&unique_username(), PASSWORD).await;
    let error = |r: &Reply| (r.status, r.body["error"]["code"].clone(), r.body["error"]["message"].clone());
    assert_eq!(error(&signed_in), error(&unknown), "as for an unknown account");
    let again = app.register(&username, &unique_phone()).await;
    assert_eq!((again.status, again.code()), (409, "USERNAME_TAKEN"), "the username is never reused");

    // Nothing personal is left: what still names the account is the tombstone that keeps the
    // username, the session generation that ended its sessions, and the records of the deletion.
    let left = items_naming(&app, &id).await;
    for item in &left {
        let kind = ["LOGIN#", "GENERATION#", "FLOW#erasure:", "FLOW#account-deletion:"]
            .iter()
            .find(|p| item.contains(&format!("S(\"{p}")));
        assert!(kind.is_some(), "an item of the deleted account is left: {item}");
        for personal in ["password_hash: S(\"$argon2", "phone", "personal", "name", "totp", "user_agent"] {
            assert!(!item.contains(personal), "{personal} is left in {item}");
        }
    }
    assert!(left.iter().any(|i| i.contains("S(\"deleted\")")), "the username's tombstone: {left:?}");
    let erasure = left.iter().find(|i| i.contains("FLOW#erasure:")).expect("the erasure's record");
    assert!(erasure.contains("finished_at"), "the erasure finished at once: {erasure}");
    // The document may verify five accounts again (its counter no longer names this one).
    assert!(!items_naming(&app, &id_number).await.iter().any(|i| i.contains(&id)));
}

#[tokio::test]
async fn the_freed_counts_can_be_used_by_an_eleventh_account_and_a_sixth_verification() {
    // DEL-3 with REG-2 and KYC-P4
    let app = spawn_app().await;
    let phone = unique_phone();
    let first = unique_username();
    let (challenge, code) = app.seed_code(&phone).await;
    assert_eq!(app.register_with(&first, PASSWORD, &phone, &challenge, &code).await.status, 201);
    for _ in 0..9 {
        let (challenge, code) = app.seed_code(&phone).await;
        assert_eq!(app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await.status, 201);
    }
    let token = app.sign_in(&first, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let id_number = unique_id_number();
    assert_eq!(app.bank_card(&token, "张三", &id_number, &card_number("622202")).await.status, 201);
    for _ in 0..4 {
        let (_, _, other) = app.signed_in_user().await;
        assert_eq!(app.bank_card(&other, "张三", &id_number, &card_number("622202")).await.status, 201);
    }
    let (_, _, sixth) = app.signed_in_user().await;
    let refused = app.bank_card(&sixth, "张三", &id_number, &card_number("622202")).await;
    assert_eq!(refused.code(), "DOCUMENT_ACCOUNT_LIMIT");
    let (challenge, code) = app.seed_code(&phone).await;
    let eleventh = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(eleventh.code(), "PHONE_ACCOUNT_LIMIT");

    assert_eq!(delete(&app, &token, &phone).await.status, 200);

    let (challenge, code) = app.seed_code(&phone).await;
    let eleventh = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(eleventh.status, 201, "the phone's count was released: {:?}", eleventh.body);
    let (challenge, code) = app.seed_code(&phone).await;
    let twelfth = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(twelfth.code(), "PHONE_ACCOUNT_LIMIT", "released once");
    let verified = app.bank_card(&sixth, "张三", &id_number, &card_number("622202")).await;
    assert_eq!(verified.status, 201, "the document's count was released: {:?}", verified.body);
}

#[tokio::test]
async fn two_confirmations_at_once_delete_once_and_a_racing_sign_in_gets_no_live_session() {
    // DEL-3: concurrent deletion and sign-in, or deletion twice, end cleanly
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let first = check(&app, &token).await;
    let second = check(&app, &token).await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let sign_ins = (0..4).map(|_| app.sign_in(&username, PASSWORD));
    let (a, b, signed_in) = tokio::join!(
        confirm(&app, &token, &first, json!([])),
        confirm(&app, &token, &second, json!([])),
        futures::future::join_all(sign_ins)
    );
    let statuses = [a.status, b.status];
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{:?} {:?}", a.body, b.body);
    assert!(statuses.iter().all(|s| [200, 401, 409].contains(s)), "{statuses:?}");
    for reply in signed_in {
        assert!([201, 401, 429].contains(&reply.status), "{:?}", reply.body);
        if let Some(t) = reply.body["access_token"].as_str() {
            assert_eq!(app.call("GET", "/v1/sessions", Some(t), None).await.status, 401, "a racing session is dead");
        }
    }
    // The phone's count was released once: ten more accounts fit, not eleven.
    for _ in 0..10 {
        let (challenge, code) = app.seed_code(&phone).await;
        assert_eq!(app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await.status, 201);
    }
    let (challenge, code) = app.seed_code(&phone).await;
    let refused = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(refused.code(), "PHONE_ACCOUNT_LIMIT");
}

#[tokio::test]
async fn a_passport_account_keeps_working_on_the_platform_and_activates_the_cloud_anew() {
    // DEL-3: a passport account elsewhere on the platform is unaffected
    let app = spawn_app().await;
    let (id, phone, token) = app.passport_user().await;
    app.verify_by_face(&token).await;
    assert_eq!(delete(&app, &token, &phone).await.status, 200);
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 401);

    let again = app.sms_sign_in(&phone, None).await;
    assert_eq!(again.status, 201, "the passport account still signs in: {:?}", again.body);
    assert_eq!(again.body["account_id"], json!(id));
    assert_eq!(again.body["activation_required"], true, "the cloud must be activated again");
    let fresh = again.body["access_token"].as_str().unwrap();
    let activated =
        app.call("POST", "/v1/accounts/me/activation", Some(fresh), Some(json!({"agreements": agreements()}))).await;
    assert_eq!(activated.status, 200, "{:?}", activated.body);
    let me = app.call("GET", "/v1/accounts/me", Some(fresh), None).await;
    assert_eq!(me.body["verification"]["state"], "unverified", "a new cloud account: {:?}", me.body);
    assert_eq!(me.body["balance"], "0.00");
}

#[tokio::test]
async fn a_deletion_whose_erasure_stopped_is_finished_by_the_sweeper_and_a_second_delivery_changes_nothing() {
    // DEL-3: the erasure is resumed; a worker given the same message twice
    use shared::domain::deletion::Erasure;
    use shared::domain::ids::{AccountId, FlowId};
    use shared::usecases::deps::HasFlows;
    let app = spawn_isolated_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = account_id(&app, &token).await;
    app.upload(&token, "id-card-front", jpeg(2048)).await;
    // As if the deletion's transaction was written and the process stopped before the erasure.
    let erasure = erasure_of(AccountId::from_raw(&id), app.clock_now());
    let erasure_id = FlowId::generate();
    let services = &app.state().services;
    services.flows::<Erasure>().create(&erasure_id, &erasure).await.unwrap();

    app.clock.advance(Duration::minutes(4));
    app.gateway.fire_schedules().await.unwrap();
    assert_eq!(app.call("GET", "/v1/sessions", Some(&token), None).await.status, 200, "not due yet");
    app.clock.advance(Duration::minutes(2));
    app.gateway.fire_schedules().await.unwrap();
    assert_eq!(app.call("GET", "/v1/sessions", Some(&token), None).await.status, 401, "the session was erased");
    let done = services.flows::<Erasure>().load(&erasure_id).await.unwrap().unwrap();
    assert!(done.flow.finished_at.is_some());
    assert!(done.flow.erased_items >= 1 && done.flow.erased_files == 1, "{:?}", done.flow);
    // Gone for good: the bucket is versioned, and no version or delete marker is left.
    for prefix in shared::domain::upload::account_prefixes(&AccountId::from_raw(&id), &[]) {
        assert_eq!(app.stored_versions(&prefix).await, Vec::<String>::new(), "under {prefix}");
    }

    let due = shared::ports::DueFlow { kind: shared::domain::flow::FlowKind::Erasure, id: erasure_id.clone() };
    shared::usecases::sweep::expire(services, &due).await.unwrap();
    let again = services.flows::<Erasure>().load(&erasure_id).await.unwrap().unwrap();
    assert_eq!((again.version, again.flow.finished_at), (done.version, done.flow.finished_at));
}

#[tokio::test]
async fn the_files_of_a_signed_out_appeal_are_erased_with_its_account() {
    // DEL-3: an appeal filed signed out keeps its files under the appeal's own prefix.
    use crate::signed_out_appeals::{appeal_material, open, stuck_at_the_second_factor, with_secret};
    use shared::domain::deletion::Erasure;
    use shared::domain::ids::{AccountId, FlowId};
    use shared::usecases::deps::HasFlows;
    let app = spawn_isolated_app().await;
    let (_, pending) = stuck_at_the_second_factor(&app).await;
    let opened = open(&app, json!({"kind": "mfa_unbind", "sign_in_id": pending.body["sign_in_id"]})).await;
    let (id, secret) = (opened.body["appeal_id"].as_str().unwrap(), opened.body["appeal_secret"].as_str().unwrap());
    let material = appeal_material(&app, id, secret, &APPEAL_MATERIAL).await;
    let body = json!({"subject": "person", "material": material});
    let submitted =
        with_secret(&app, "POST", &format!("/v1/signed-out-appeals/{id}/submission"), secret, Some(body)).await;
    assert_eq!(submitted.status, 200, "{:?}", submitted.body);
    let reviewer = app.staff(&["reviewer"]).await;
    let read = app.call("GET", &format!("/v1/review/cases/{id}"), Some(&reviewer.token), None).await;
    let account = AccountId::from_raw(read.body["account_id"].as_str().unwrap());
    let kept = format!("cases/appeal-{id}/");
    assert_eq!(app.stored_versions(&kept).await.len(), APPEAL_MATERIAL.len(), "the case's files");

    // The account's erasure (as its deletion writes it) takes them too.
    let erasure = erasure_of(account.clone(), app.clock_now());
    app.state().services.flows::<Erasure>().create(&FlowId::generate(), &erasure).await.unwrap();
    app.clock.advance(Duration::minutes(6));
    app.gateway.fire_schedules().await.unwrap();
    assert_eq!(app.stored_versions(&kept).await, Vec::<String>::new(), "no version or delete marker left");
}

#[tokio::test]
async fn deleting_a_main_account_ends_and_erases_its_sub_users() {
    // DEL-3 with LOGIN-5
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let main = account_id(&app, &token).await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let body = json!({"username": "ops-li", "password": "Quiet-Lantern-73"});
    assert_eq!(app.call("POST", "/v1/sub-users", Some(&token), Some(body)).await.status, 201);
    let sign_in = json!({"account": main, "username": "ops-li", "password": "Quiet-Lantern-73"});
    let sub = app.call("POST", "/v1/sub-user-sessions", None, Some(sign_in.clone())).await;
    let sub = sub.body["access_token"].as_str().unwrap().to_owned();

    // The confirmation's answer alone, before the expiry worker erases anything: the sub-user's
    // session has already ended.
    let checked = check(&app, &token).await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let confirmation = &checked.body["confirmation"];
    let path = format!("/v1/account-deletions/{}/confirmation", confirmation["deletion_id"].as_str().unwrap());
    let body = json!({"confirmation_token": confirmation["confirmation_token"], "acknowledged_forfeits": []});
    assert_eq!(app.answer_authorized("POST", &path, &token, Some(body)).await.status, 200);
    let before_erasure = app.answer_authorized("GET", "/v1/sessions", &sub, None).await;
    assert_eq!(before_erasure.status, 401, "the sub-user's session ended with the deletion");
    app.gateway.drain_all().await.unwrap();
    assert_eq!(app.call("GET", "/v1/sessions", Some(&sub), None).await.status, 401, "the sub-user's session ended");
    let again = app.call("POST", "/v1/sub-user-sessions", None, Some(sign_in)).await;
    assert_eq!(again.code(), "INVALID_CREDENTIALS");
    let left = items_naming(&app, &main).await;
    assert!(!left.iter().any(|i| i.contains("LOGIN#sub:") || i.contains("SUBUSERS#")), "{left:?}");
}

#[tokio::test]
async fn a_deletion_and_a_new_appeal_sent_at_once_never_both_succeed() {
    // DEL-1 (issue 25): opening work and confirming a deletion exclude each other in the
    // database (the account's count of work opened, which the deletion holds over); once erased,
    // nothing of the account is left in the bucket - not even the files an appeal that lost the
    // race copied for its case (they are under the account's prefix, which the erasure lists).
    use shared::usecases::deps::HasUploadErasure;
    let mut both = 0;
    let mut outcomes = std::collections::BTreeMap::<(u16, u16), usize>::new();
    for _ in 0..20 {
        // An app each: its own source address, within the 50 codes a day per address.
        let app = spawn_app().await;
        let (_, phone, token) = app.signed_in_user().await;
        let id = account_id(&app, &token).await;
        let appeal = app.rebind_appeal_body(&token, &unique_phone()).await;
        let checked = check(&app, &token).await;
        assert_eq!(checked.body["passed"], true, "{:?}", checked.body);
        assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
        let (deleted, opened) = futures::future::join(
            confirm(&app, &token, &checked, json!([])),
            app.call("POST", "/v1/appeals/phone-rebind", Some(&token), Some(appeal)),
        )
        .await;
        *outcomes.entry((deleted.status, opened.status)).or_default() += 1;
        assert!(deleted.status < 500 && opened.status < 500, "{:?} {:?}", deleted.body, opened.body);
        if deleted.status == 200 && opened.status == 201 {
            both += 1;
        }
        if deleted.status == 200 {
            app.clock.advance(chrono::Duration::minutes(10));
            app.gateway.fire_schedules().await.unwrap();
            let services = &app.state().services;
            let account = shared::domain::ids::AccountId::from_raw(&id);
            let left = services.upload_erasure().erase(&account, &[]).await.unwrap();
            assert_eq!(left, 0, "files of the deleted account were left in the bucket: {outcomes:?}");
        }
    }
    assert_eq!(both, 0, "both succeeded: {outcomes:?}");
}
