//! Nothing personal or secret reaches the logs.

use api_tests::*;

#[tokio::test]
async fn no_phone_password_code_or_token_is_logged() {
    capture_logs();
    let app = spawn_app().await;
    let (username, phone) = (unique_username(), unique_phone());
    let sent = app.send_code(&phone).await;
    let code = app.outbox_code(&phone);
    let challenge = sent.body["challenge_id"].as_str().unwrap();
    // A refusal and a success each, so both logging paths run.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(app.register_with(&username, PASSWORD, &phone, challenge, wrong).await.status, 400);
    assert_eq!(app.register_with(&username, PASSWORD, &phone, challenge, &code).await.status, 201);
    assert_eq!(app.sign_in(&username, "Wrong-Password-9").await.status, 401);
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200);

    let logs = captured_logs();
    assert!(logs.contains("request refused"), "the capture works");
    for (what, secret) in
        [("phone", &phone[3..]), ("password", PASSWORD), ("wrong password", "Wrong-Password-9"), ("token", &token)]
    {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
    // Six digits also occur by chance inside the suite's request ids and other numbers: the code
    // must not appear as a value of its own (`code=123456`, `"123456"`).
    assert!(!as_a_value(&logs, &code), "the code appears in the logs");
}

#[tokio::test]
async fn no_name_id_number_or_card_number_is_logged() {
    capture_logs();
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let id = unique_id_number();
    let card = card_number("622848");
    assert_eq!(app.bank_card(&token, "Bartholomew Quince", &id, &card).await.code(), "BANK_CARD_MISMATCH");
    let started = app.start_face(&token, "Bartholomew Quince", &id).await;
    assert_eq!(app.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await.status, 204);
    let logs = captured_logs();
    assert!(logs.contains("request refused"), "the capture works");
    for (what, secret) in [("name", "Bartholomew"), ("ID number", id.as_str()), ("card number", card.as_str())] {
        assert!(!logs.contains(secret), "the {what} appears in the logs");
    }
}
