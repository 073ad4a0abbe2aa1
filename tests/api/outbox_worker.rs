//! The outbox's delivery worker [issue 9 item 3]: idempotent (SQS delivers at least once) and
//! answering with partial batch failures (a message it cannot read goes back to the queue, and
//! after the queue's retries to its dead-letter queue).

use api_tests::*;
use functions::registry::{worker_handler, SqsEvent};
use shared::domain::redacted::Redacted;
use shared::ports::OutboxMessage;

fn record(id: &str, body: &str) -> aws_lambda_events::sqs::SqsMessage {
    let mut r = aws_lambda_events::sqs::SqsMessage::default();
    r.message_id = Some(id.to_owned());
    r.body = Some(body.to_owned());
    r
}

#[tokio::test]
async fn the_same_message_delivered_twice_is_sent_once_and_a_poison_message_is_reported() {
    // REG-2, REC-4: every code leaves from this worker, once
    let app = spawn_app().await;
    let phone = unique_phone();
    let message = OutboxMessage::Sms {
        id: format!("test-{}", unique_username()),
        to: Redacted::new(phone.clone()),
        text: Redacted::new("[Cloud] Your verification code is 123456.".into()),
    };
    let sealed = app.state().services.keys.encrypt(&serde_json::to_string(&message).unwrap()).unwrap();
    let worker = worker_handler("deliver_messages").unwrap();
    let state = app.state();

    let mut first = SqsEvent::default();
    first.records = vec![record("m-1", &sealed), record("m-2", "not a sealed message")];
    let answer = worker(state, first).await;
    let failed: Vec<&str> = answer.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["m-2"], "only the unreadable message is reported");

    let mut again = SqsEvent::default();
    again.records = vec![record("m-3", &sealed)];
    assert!(worker(state, again).await.batch_item_failures.is_empty());
    let sms = app.state().services.sandbox_sms().unwrap();
    assert_eq!(sms.messages(Some(&phone)).len(), 1, "delivered twice, sent once");
}

#[tokio::test]
async fn an_sms_provider_that_times_out_after_delivering_gets_the_message_again_and_the_code_works() {
    // Issue 24 (5): the provider acted and its answer was lost. The worker gives its claim back
    // and fails the message; once its visibility timeout passed the queue delivers it again: the
    // phone got the code twice (at least once, never lost), the same code, which registers once.
    let app = spawn_app().await;
    let phone = format!("+861380000{}", shared::adapters::sms::TIMES_OUT_AFTER_SENDING);
    let sent = app.send_code(&phone).await;
    assert_eq!(sent.status, 202, "the answer does not wait for the provider: {:?}", sent.body);
    let sms = app.state().services.sandbox_sms().unwrap().clone();
    // Delivered, though the provider's answer was lost. Once, unless the queue itself delivered
    // the message twice (SQS is at least once; under load the SDK also resends a SendMessage
    // whose answer broke off): the copy's claim, given back by the failed send, then succeeds.
    let first = sms.messages(Some(&phone)).len();
    assert!((1..=2).contains(&first), "delivered, though the provider's answer was lost: {first}");
    let taken = app.gateway.visibility_timeouts_pass().await.unwrap();
    assert_eq!(taken, 1, "the failed message comes back once");
    let delivered = sms.messages(Some(&phone));
    assert_eq!(delivered.len(), 2, "delivered again: at least once");
    assert_eq!(delivered[0].text, delivered[1].text, "the same code");
    assert_eq!(app.gateway.visibility_timeouts_pass().await.unwrap(), 0, "then deleted: never a third time");
    let code = app.outbox_code(&phone);
    let registered = app
        .register_with(&unique_username(), PASSWORD, &phone, sent.body["challenge_id"].as_str().unwrap(), &code)
        .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
}
