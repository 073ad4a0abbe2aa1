//! Recovery answers reveal nothing [REC-4] (issue 9, item 3): before the code proves the phone,
//! every answer is the same whether or not an account matched (status, body shape, headers), the
//! codes leave from the outbox worker after the answer, and each flow has one try counter.

use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};
use shared::domain::code as code_rules;
use std::collections::BTreeSet;

async fn captcha(app: &TestApp) -> (String, String) {
    app.solved_captcha().await
}

async fn start(app: &TestApp, path: &str, mut body: Value) -> Reply {
    let (id, answer) = captcha(app).await;
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(answer);
    app.call("POST", path, None, Some(body)).await
}

/// What a reply shows apart from its fresh ids: status, error code, body keys, header names.
fn shape(r: &Reply) -> (u16, String, BTreeSet<String>, BTreeSet<String>) {
    let keys = r.body.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let headers = r.headers.keys().map(|k| k.as_str().to_owned()).collect();
    (r.status, r.code().to_owned(), keys, headers)
}

#[tokio::test]
async fn password_reset_starts_answer_alike_for_an_account_and_for_nobody_also_when_repeated() {
    // REC-4
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    let ghost = unique_username();
    app.clock.advance(Duration::seconds(61));
    for round in 0..2 {
        // The second round comes within the phone's 60 s send spacing: no code leaves, silently.
        let real = start(&app, "/v1/password-resets", json!({"account": username})).await;
        let none = start(&app, "/v1/password-resets", json!({"account": ghost})).await;
        assert_eq!(real.status, 202, "round {round}: {:?}", real.body);
        assert_eq!(shape(&real), shape(&none), "round {round}");
    }
}

#[tokio::test]
async fn a_weak_password_with_a_wrong_code_answers_alike_for_an_account_and_for_nobody() {
    // REC-4: where nothing matched, the try is compared with a decoy code, so a wrong code for a
    // real account and for nobody also make the same requests (no timing difference to measure).
    let app = spawn_app().await;
    let (username, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let real = start(&app, "/v1/password-resets", json!({"account": username})).await;
    let none = start(&app, "/v1/password-resets", json!({"account": unique_username()})).await;
    let wrong = if app.outbox_code(&phone) == "000000" { "111111" } else { "000000" };
    let complete = |reply: &Reply| {
        let path = format!("/v1/password-resets/{}/complete", reply.body["reset_id"].as_str().unwrap());
        let app = &app;
        async move {
            app.requests_of(app.call("POST", &path, None, Some(json!({"code": wrong, "new_password": "password1"}))))
                .await
        }
    };
    let ((real, real_requests), (none, none_requests)) = (complete(&real).await, complete(&none).await);
    assert_eq!((real.status, real.code()), (400, "CODE_MISMATCH"), "{:?}", real.body);
    assert_eq!(shape(&real), shape(&none));
    assert_eq!(real.body["error"]["details"], none.body["error"]["details"]);
    assert_eq!(real_requests.by_operation, none_requests.by_operation);
}

#[tokio::test]
async fn a_lookup_counts_one_try_counter_whichever_phone_is_tried() {
    // REC-4
    let app = spawn_app().await;
    let (_, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let started = start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": phone})).await;
    assert_eq!(started.status, 202, "{:?}", started.body);
    let id = started.body["lookup_id"].as_str().unwrap().to_owned();
    let code = app.outbox_code(&phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify = |p: String| {
        let (app, id) = (&app, &id);
        async move {
            let body = json!({"phone": p, "code": wrong});
            app.call("POST", &format!("/v1/account-lookups/{id}/verify"), None, Some(body)).await
        }
    };
    let left = |r: &Reply| r.body["error"]["details"]["attempts_left"].clone();
    assert_eq!(left(&verify(unique_phone()).await), json!(4));
    assert_eq!(left(&verify(phone.clone()).await), json!(3), "the bound phone shows no fresh counter");
    assert_eq!(left(&verify(unique_phone()).await), json!(2));
}

#[tokio::test]
async fn a_lookup_that_matches_nothing_sends_nothing_and_answers_the_same() {
    // REC-4
    let app = spawn_app().await;
    let (_, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let sms = app.state().services.sandbox_sms().unwrap();
    let before = sms.messages(None).len();
    let none = start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": unique_phone()})).await;
    assert_eq!(sms.messages(None).len(), before, "the decoy's message is discarded by the worker");
    let real = start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": phone})).await;
    assert_eq!(sms.messages(None).len(), before + 1);
    assert_eq!(shape(&real), shape(&none));
}

#[tokio::test]
async fn after_a_lookup_the_phone_s_next_code_is_answered_alike_whether_or_not_it_has_an_account() {
    // REC-4 (found in this round's review): a matching look-up's code moved the phone's spacing
    // and a non-matching one's did not, so a sign-up code right after told the two apart.
    let app = spawn_app().await;
    let (_, owned, _) = app.signed_in_user().await;
    let free = unique_phone();
    app.clock.advance(Duration::seconds(61));
    for phone in [&owned, &free] {
        assert_eq!(start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": phone})).await.status, 202);
    }
    let (a, b) = (app.send_code(&owned).await, app.send_code(&free).await);
    assert_eq!((a.status, a.code(), &a.body["error"]["details"]), (b.status, b.code(), &b.body["error"]["details"]));
    assert_eq!((a.status, a.headers.get("retry-after")), (b.status, b.headers.get("retry-after")));
    assert_eq!(a.status, 429, "the look-up's code (sent, or issued unsent) spaces the next one");
    app.clock.advance(Duration::seconds(61));
    assert_eq!((app.send_code(&owned).await.status, app.send_code(&free).await.status), (202, 202));
}

#[tokio::test]
async fn a_strangers_lookups_do_not_spend_the_owners_codes() {
    // LOGIN-6, REC-4 (issue 9, item 4): budgets per purpose, anonymous ones per asker too; the
    // phone's own ceiling keeps the owner's part (issue 25)
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let stranger = "203.0.113.66";
    for _ in 0..9 {
        app.clock.advance(Duration::seconds(61));
        let (id, answer) = captcha(&app).await;
        let body = json!({"by": "phone", "phone": phone, "captcha_id": id, "captcha_answer": answer});
        let r =
            app.call_from(stranger, "POST", "/v1/account-lookups", None, bytes::Bytes::from(body.to_string())).await;
        assert_eq!(r.status, 202, "{:?}", r.body);
    }
    let sms = app.state().services.sandbox_sms().unwrap();
    let lookups = sms.messages(Some(&phone)).len();
    assert!(lookups <= 1 + 5, "at most five lookup codes a day for one asker (plus registration's): {lookups}");
    let step_up = app.call("POST", "/v1/step-up/sms-codes", Some(&token), None).await;
    assert_eq!(step_up.status, 202, "the owner's own step-up still gets a code: {:?}", step_up.body);
    // A password reset is a purpose anyone can trigger: it shares the strangers' part of the
    // phone's day (issue 25), which the look-ups spent; answered alike, it sends nothing today.
    assert_eq!(lookups, 6, "registration's code and five look-ups: the strangers' share of the day");
    let reset = start(&app, "/v1/password-resets", json!({"account": username})).await;
    assert_eq!(reset.status, 202);
    assert_eq!(sms.messages(Some(&phone)).len(), lookups + 1, "the share is spent: no reset code today");
    app.clock.advance(Duration::seconds(i64::try_from(code_rules::secs_until_next_day(app.clock_now())).unwrap()));
    let reset = start(&app, "/v1/password-resets", json!({"account": username})).await;
    assert_eq!(reset.status, 202);
    assert_eq!(sms.messages(Some(&phone)).len(), lookups + 2, "the next Beijing day it comes");
}

/// A start through the gateway with its answer alone (the workers not run), and its DynamoDB
/// requests; the captcha solved before (a call of its own would run the workers).
async fn answer_alone(
    app: &TestApp,
    (id, answer): (String, String),
    source: &str,
    path: &str,
    mut body: Value,
) -> (Reply, Requests) {
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(answer);
    app.requests_of(app.answer_from(source, "POST", path, body)).await
}

#[tokio::test]
async fn a_start_answers_before_anything_is_looked_up_and_the_worker_sends_the_code() {
    // REC-4: the answer's work is the same request for request whether or not an account matched
    // (nothing it waits for depends on it), and the code leaves after it, from the recovery worker.
    let app = spawn_app().await;
    let (username, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let sms = app.state().services.sandbox_sms().unwrap();
    for (path, real, none) in [
        ("/v1/password-resets", json!({"account": username}), json!({"account": unique_username()})),
        (
            "/v1/account-lookups",
            json!({"by": "phone", "phone": phone}),
            json!({"by": "phone", "phone": unique_phone()}),
        ),
    ] {
        app.clock.advance(Duration::seconds(61));
        let before = sms.messages(Some(&phone)).len();
        let captchas = (captcha(&app).await, captcha(&app).await);
        let (real, real_requests) = answer_alone(&app, captchas.0, "198.51.100.7", path, real).await;
        let (none, none_requests) = answer_alone(&app, captchas.1, "198.51.100.8", path, none).await;
        assert_eq!(real.status, 202, "{path}: {:?}", real.body);
        assert_eq!(shape(&real), shape(&none), "{path}");
        assert_eq!(real_requests.by_operation, none_requests.by_operation, "{path}");
        assert!(!real_requests.by_operation.contains_key("Query"), "{path}: {real_requests:?}");
        assert_eq!(sms.messages(Some(&phone)).len(), before, "{path}: no code before the worker ran");
        app.gateway.drain_all().await.unwrap();
        assert_eq!(sms.messages(Some(&phone)).len(), before + 1, "{path}: the worker sent the code");
    }
}

#[tokio::test]
async fn a_wrong_lookup_code_costs_the_same_requests_for_the_bound_phone_and_another() {
    // REC-4: a try naming a phone that matched nothing is compared with the lookup's decoy code.
    let app = spawn_app().await;
    let (_, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let lookup = start(&app, "/v1/account-lookups", json!({"by": "phone", "phone": phone})).await;
    let path = format!("/v1/account-lookups/{}/verify", lookup.body["lookup_id"].as_str().unwrap());
    let code = app.outbox_code(&phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let verify = |p: String| {
        let (app, path) = (&app, &path);
        async move { app.requests_of(app.call("POST", path, None, Some(json!({"phone": p, "code": wrong})))).await }
    };
    let ((bound, bound_requests), (other, other_requests)) =
        (verify(phone.clone()).await, verify(unique_phone()).await);
    assert_eq!(bound.code(), "CODE_MISMATCH", "{:?}", bound.body);
    assert_eq!(shape(&bound), shape(&other));
    assert_eq!(bound_requests.by_operation, other_requests.by_operation);
}

#[tokio::test]
async fn a_start_delivered_twice_to_the_recovery_worker_sends_one_code() {
    // REC-4: SQS delivers at least once; the second delivery finds the start resolved.
    let app = spawn_app().await;
    let (username, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let solved = captcha(&app).await;
    let (reply, _) =
        answer_alone(&app, solved, "198.51.100.9", "/v1/password-resets", json!({"account": username})).await;
    let id = reply.body["reset_id"].as_str().unwrap().to_owned();
    let message = json!({"kind": "password-reset", "id": id}).to_string();
    let mut event = functions::registry::SqsEvent::default();
    for (i, body) in [&message, &message, &"not a start".to_owned()].into_iter().enumerate() {
        let mut record = aws_lambda_events::sqs::SqsMessage::default();
        record.message_id = Some(format!("m{i}"));
        record.body = Some(body.clone());
        event.records.push(record);
    }
    let worker = functions::registry::worker_handler("resolve_recoveries").unwrap();
    let failed: Vec<String> =
        worker(app.state(), event).await.batch_item_failures.into_iter().map(|f| f.item_identifier).collect();
    assert_eq!(failed, ["m2"], "only the unreadable message is reported");
    app.gateway.drain_all().await.unwrap(); // the outbox, and the start's own message once more
    let sms = app.state().services.sandbox_sms().unwrap();
    assert_eq!(sms.messages(Some(&phone)).len(), 2, "registration's code and one reset code");
    let code = app.outbox_code(&phone);
    let done = app
        .call(
            "POST",
            &format!("/v1/password-resets/{id}/complete"),
            None,
            Some(json!({"code": code, "new_password": "Fresh-Pass-2026!"})),
        )
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
}

#[tokio::test]
async fn a_start_the_worker_takes_up_after_its_fifteen_minutes_sends_nothing() {
    // REC-1: a start lives 15 minutes; a code for one that is over would be of no use.
    let app = spawn_app().await;
    let (username, phone, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let solved = captcha(&app).await;
    let (reply, _) =
        answer_alone(&app, solved, "198.51.100.10", "/v1/password-resets", json!({"account": username})).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    let sms = app.state().services.sandbox_sms().unwrap();
    let before = sms.messages(Some(&phone)).len();
    app.clock.advance(Duration::minutes(16));
    app.gateway.drain_all().await.unwrap();
    assert_eq!(sms.messages(Some(&phone)).len(), before);
}

#[tokio::test]
async fn a_start_spends_the_callers_send_budget_alike_for_an_account_and_for_nobody() {
    // REC-4: where nothing matched, the decoy counts the caller's send as the code would have, so
    // the caller's daily budget of sends (shared with every other code) shows nothing either.
    let app = spawn_app().await;
    let (username, _, _) = app.signed_in_user().await;
    app.clock.advance(Duration::seconds(61));
    let mut outcomes = vec![];
    for (source, account) in [("198.51.100.21", username.clone()), ("198.51.100.22", unique_username())] {
        let send = |phone: String| {
            let body = bytes::Bytes::from(json!({"phone": phone, "purpose": "register"}).to_string());
            let app = &app;
            async move { app.call_from(source, "POST", "/v1/sms-codes", None, body).await.status }
        };
        for _ in 0..code_rules::SOURCE_DAILY_CAP - 2 {
            assert_eq!(send(unique_phone()).await, 202);
        }
        let (id, answer) = captcha(&app).await;
        let body = json!({"account": account, "captcha_id": id, "captcha_answer": answer});
        let started =
            app.call_from(source, "POST", "/v1/password-resets", None, bytes::Bytes::from(body.to_string())).await;
        assert_eq!(started.status, 202, "{:?}", started.body);
        outcomes.push([send(unique_phone()).await, send(unique_phone()).await]);
    }
    assert_eq!(outcomes[0], [202, 429], "the matching start used one send of the budget");
    assert_eq!(outcomes[0], outcomes[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_delivered_twice_at_once_still_sends_the_code_the_flow_knows() {
    // REC-1: two deliveries of one start at the same time: one's send is refused by the phone's
    // spacing because the other's came first; the flow ends with the code that was sent, and that
    // one code arrives. (`settle` also covers the refused one storing first, which this
    // interleaving does not force.)
    let app = spawn_app().await;
    let (username, phone, _) = app.signed_in_user().await;
    let sms = app.state().services.sandbox_sms().unwrap();
    let worker = functions::registry::worker_handler("resolve_recoveries").unwrap();
    for round in 0..3 {
        app.clock.advance(Duration::seconds(61));
        let solved = captcha(&app).await;
        let source = format!("198.51.100.{}", 30 + round);
        let (reply, _) = answer_alone(&app, solved, &source, "/v1/password-resets", json!({"account": username})).await;
        let id = reply.body["reset_id"].as_str().unwrap().to_owned();
        let message = json!({"kind": "password-reset", "id": id}).to_string();
        let event = |n: &str| {
            let mut event = functions::registry::SqsEvent::default();
            let mut record = aws_lambda_events::sqs::SqsMessage::default();
            record.message_id = Some(n.to_owned());
            record.body = Some(message.clone());
            event.records.push(record);
            event
        };
        let before = sms.messages(Some(&phone)).len();
        let (a, b) = tokio::join!(worker(app.state(), event("a")), worker(app.state(), event("b")));
        assert!(a.batch_item_failures.is_empty() && b.batch_item_failures.is_empty(), "round {round}");
        app.gateway.drain_all().await.unwrap();
        assert_eq!(sms.messages(Some(&phone)).len(), before + 1, "round {round}: one code sent");
        let body = json!({"code": app.outbox_code(&phone), "new_password": format!("Fresh-Pass-2026-{round}!")});
        let done = app.call("POST", &format!("/v1/password-resets/{id}/complete"), None, Some(body)).await;
        assert_eq!(done.status, 200, "round {round}: {:?}", done.body);
    }
}
