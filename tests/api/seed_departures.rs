//! Where the code followed the seed rather than its first reading (issue 9).

use api_tests::*;

#[tokio::test]
async fn the_document_cap_refusal_tells_where_to_sign_in_instead() {
    // KYC-P4: the seed tells the sixth account to sign in to an account already verified
    let app = spawn_app().await;
    let id = unique_id_number();
    for _ in 0..5 {
        let (_, _, token) = app.signed_in_user().await;
        assert_eq!(app.bank_card(&token, "张三", &id, &card_number("622202")).await.status, 201);
    }
    let (_, _, sixth) = app.signed_in_user().await;
    let refused = app.bank_card(&sixth, "张三", &id, &card_number("622202")).await;
    assert_eq!((refused.status, refused.code()), (409, "DOCUMENT_ACCOUNT_LIMIT"));
    let advice = refused.body["error"]["details"]["advice"].as_str().unwrap_or_default();
    assert!(advice.contains("sign in to one of the accounts"), "{:?}", refused.body);
}
