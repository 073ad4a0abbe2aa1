//! The asynchronous machinery under the test clock: the deadline sweeper (a schedule) finds due
//! cases through the deadline index and the expiry worker (SQS) applies what is due, once even
//! when a message comes twice; a case submitted while the review queue fails is still reviewed.
//! These apps have tables of their own: a sweep takes every due flow of its tables.

use api_tests::*;
use chrono::Duration;
use serde_json::json;

fn sqs_event(bodies: &[String]) -> functions::registry::SqsEvent {
    let mut event = functions::registry::SqsEvent::default();
    for (i, body) in bodies.iter().enumerate() {
        let mut record = aws_lambda_events::sqs::SqsMessage::default();
        record.message_id = Some(format!("m{i}"));
        record.body = Some(body.clone());
        event.records.push(record);
    }
    event
}

#[tokio::test]
async fn past_its_due_time_a_case_is_flagged_overdue_once_even_when_the_message_comes_twice() {
    let app = spawn_isolated_app().await;
    let (_, _, appeal) = app.mfa_appeal().await;
    let id = appeal["case_id"].as_str().unwrap().to_owned();
    let reviewer = app.staff(&["reviewer"]).await;

    // Not yet due: a sweep finds nothing.
    app.gateway.fire_schedules().await.unwrap();
    let queue = app.call("GET", "/v1/review/queue", Some(&reviewer.token), None).await;
    let open = &queue.body["open_cases"][0];
    assert_eq!((open["case_id"].as_str(), open["overdue"].as_bool()), (Some(id.as_str()), Some(false)));

    // 5 working days are at least 7 days: past them, the sweep flags the case overdue.
    app.clock.advance(Duration::days(9));
    let due = serde_json::to_string(&json!({ "kind": "case", "id": id })).unwrap();
    let worker = functions::registry::worker_handler("expire_flows").unwrap();
    // The same message twice (SQS delivers at least once), in one batch and again later.
    let state = app.state();
    let first = worker(state, sqs_event(&[due.clone(), due.clone()])).await;
    assert!(first.batch_item_failures.is_empty());
    let again = worker(state, sqs_event(std::slice::from_ref(&due))).await;
    assert!(again.batch_item_failures.is_empty());
    let read = app.call("GET", &format!("/v1/review/cases/{id}"), Some(&reviewer.token), None).await;
    assert_eq!(read.body["overdue"], true);
    let flags = read.body["history"].as_array().unwrap().iter().filter(|h| h["state"] == "overdue").count();
    assert_eq!(flags, 1, "{:?}", read.body["history"]);
    // A message that is not a due flow is reported as failed (SQS retries it, then its DLQ takes it).
    let poison = worker(state, sqs_event(&["not json".to_owned()])).await;
    assert_eq!(poison.batch_item_failures.len(), 1);
}

#[tokio::test]
async fn the_scheduled_sweep_flags_due_cases_through_the_index() {
    let app = spawn_isolated_app().await;
    let (_, _, appeal) = app.mfa_appeal().await;
    let reviewer = app.staff(&["reviewer"]).await;
    app.clock.advance(Duration::days(9));
    app.gateway.fire_schedules().await.unwrap();
    let queue = app.call("GET", "/v1/review/queue", Some(&reviewer.token), None).await;
    let open = &queue.body["open_cases"][0];
    assert_eq!(open["case_id"], appeal["case_id"]);
    assert_eq!(open["overdue"], true);
    assert!(queue.body["oldest_age_seconds"].as_i64().unwrap() >= 9 * 86_400);
    let mine = app.call("GET", "/v1/cases", Some(app_token(&app).await.as_str()), None).await;
    assert_eq!(mine.status, 200);
}

async fn app_token(app: &TestApp) -> String {
    app.signed_in_user().await.2
}

#[tokio::test]
async fn a_case_submitted_while_the_review_queue_fails_is_reviewed_later() {
    let app = spawn_isolated_app().await;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let url = sqs.get_queue_url().queue_name(&app.review_queue).send().await.unwrap().queue_url.unwrap();
    let (_, phone, token) = app.signed_in_user().await;
    app.bind_totp(&token, &phone).await;
    let material = app.material(&token, &APPEAL_MATERIAL).await;

    // The review queue is gone when the case is submitted: the case is kept all the same.
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
    let appeal = app.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({ "material": material }))).await;
    assert_eq!(appeal.status, 201, "{:?}", appeal.body);
    sqs.create_queue().queue_name(&app.review_queue).send().await.unwrap();
    let reviewer = app.staff(&["reviewer"]).await;
    assert!(app.claim(&reviewer).await.is_none(), "nothing reached the queue");

    // A minute later the sweeper finds the case never dispatched and puts it on the queue.
    app.clock.advance(Duration::minutes(2));
    app.gateway.fire_schedules().await.unwrap();
    let (_, case) = app.claim(&reviewer).await.expect("the sweeper put the case on the queue");
    assert_eq!(case["case_id"], appeal.body["case_id"]);
    // Sweeping again sends nothing more: the case is dispatched.
    app.gateway.fire_schedules().await.unwrap();
    let other = app.staff(&["reviewer"]).await;
    assert!(app.claim(&other).await.is_none());
}
