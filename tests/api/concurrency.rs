//! Every cap holds under concurrent requests: the database enforces it, not read-then-write.
//! (The 10-accounts-per-phone, one-username, one-passport-per-phone, 5-accounts-per-document and
//! one-QR-session caps have their own concurrent tests next to their flows.)

use api_tests::*;
use serde_json::json;

#[tokio::test]
async fn concurrent_sends_to_one_phone_pass_the_spacing_once() {
    // one send a minute per phone
    let app = spawn_app().await;
    let phone = unique_phone();
    let replies = futures::future::join_all((0..6).map(|_| app.send_code(&phone))).await;
    let sent = replies.iter().filter(|r| r.status == 202).count();
    let limited = replies.iter().filter(|r| r.code() == "RATE_LIMITED").count();
    assert_eq!((sent, limited), (1, 5));
    assert_eq!(app.state().services.sandbox_sms().unwrap().messages(Some(&phone)).len(), 1);
}

#[tokio::test]
async fn concurrent_wrong_codes_never_exceed_five_tries() {
    let app = spawn_app().await;
    let phone = unique_phone();
    let (challenge, code) = app.seed_code(&phone).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let attempts = (0..8).map(|_| {
        let (app, phone, challenge) = (&app, &phone, &challenge);
        async move { app.register_with(&unique_username(), PASSWORD, phone, challenge, wrong).await }
    });
    let replies = futures::future::join_all(attempts).await;
    let counted = replies.iter().filter(|r| r.code() == "CODE_MISMATCH").count();
    assert!(counted <= 5, "{counted} wrong tries were counted");
    let right = app.register_with(&unique_username(), PASSWORD, &phone, &challenge, &code).await;
    assert_eq!(right.code(), "CODE_ATTEMPTS_EXCEEDED", "the code is used up after five wrong tries");
}

#[tokio::test]
async fn concurrent_bank_card_attempts_never_exceed_ten() {
    // KYC-P3
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = unique_id_number();
    let attempts = (0..14).map(|_| {
        let (app, token, id) = (&app, &token, &id);
        async move { app.bank_card(token, "张三", id, &card_number("622848")).await }
    });
    let replies = futures::future::join_all(attempts).await;
    let asked_the_bank = replies.iter().filter(|r| r.code() == "BANK_CARD_MISMATCH").count();
    let exhausted = replies.iter().filter(|r| r.code() == "BANK_CARD_ATTEMPTS_EXHAUSTED").count();
    assert_eq!(asked_the_bank + exhausted, 14, "{:?}", replies.iter().map(|r| r.code().to_owned()).collect::<Vec<_>>());
    assert_eq!(asked_the_bank, 9, "the tenth mismatch already answers that the attempts are used up");
    let after = app.bank_card(&token, "张三", &id, &card_number("622202")).await;
    assert_eq!(after.code(), "BANK_CARD_ATTEMPTS_EXHAUSTED");
    assert_eq!(after.body["error"]["details"]["remaining_methods"], json!(["face"]));
}
