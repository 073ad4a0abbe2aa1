//! A phone number registers one passport account but may be bound to up to 5, and signs in by SMS
//! to only one of them [REG-3] (issue 9, following the seed: 一个手机号码可以注册一个百度账号，
//! 但是可以绑定5个百度账号). A passport account binds a phone by changing its phone to it [ACC-2];
//! the cap is a counter written in the same transaction as the bind.

use api_tests::*;
use futures::future::join_all;
use serde_json::json;

fn masked(phone: &str) -> String {
    format!("+86 {}****{}", &phone[3..6], &phone[10..])
}

/// The new phone's step of a phone change, from one of several source addresses.
async fn bind(app: &TestApp, token: &str, change_id: &str, code: &str, source: usize) -> Reply {
    let body = bytes::Bytes::from(json!({"code": code}).to_string());
    let path = format!("/v1/accounts/me/phone-changes/{change_id}/new-phone");
    app.call_from(&format!("198.51.100.{}", 20 + source % 8), "POST", &path, Some(token), body).await
}

/// `n` passport accounts, each with a phone change to `phone` waiting for its last step:
/// (account id, token, change id, code).
async fn accounts_binding(app: &TestApp, phone: &str, n: usize) -> Vec<(String, String, String, String)> {
    let mut out = vec![];
    for _ in 0..n {
        let (account_id, own_phone, token) = app.passport_user().await;
        let (change_id, code) = app.seed_phone_change(&account_id, &own_phone, phone).await;
        out.push((account_id, token, change_id, code));
    }
    out
}

#[tokio::test]
async fn fifty_binds_of_one_phone_at_once_bind_exactly_five_passport_accounts() {
    // REG-3, enforced by the database under concurrency
    let app = spawn_app().await;
    let phone = unique_phone();
    let binding = accounts_binding(&app, &phone, 50).await;
    let replies =
        join_all(binding.iter().enumerate().map(|(i, (_, token, change, code))| bind(&app, token, change, code, i)))
            .await;
    let bound: Vec<&String> =
        binding.iter().zip(&replies).filter(|(_, r)| r.status == 200).map(|((id, ..), _)| id).collect();
    let refused = replies.iter().filter(|r| (r.status, r.code()) == (409, "PHONE_PASSPORT_LIMIT")).count();
    let codes: Vec<&str> = replies.iter().map(Reply::code).collect();
    assert_eq!((bound.len(), refused), (5, 45), "{codes:?}");
    for ((_, token, ..), reply) in binding.iter().zip(&replies) {
        let me = app.call("GET", "/v1/accounts/me", Some(token), None).await;
        let bound_here = me.body["phone"] == json!(masked(&phone));
        assert_eq!(bound_here, reply.status == 200, "bound exactly when answered 200: {:?}", reply.body);
    }
    // The phone had no account of its own: it signs in to one of the five, always the same one.
    let first = app.sms_sign_in(&phone, None).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert!(bound.iter().any(|id| first.body["account_id"] == json!(id)), "{:?}", first.body);
    assert_eq!(app.sms_sign_in(&phone, None).await.body["account_id"], first.body["account_id"]);
}

#[tokio::test]
async fn a_phone_signs_in_by_sms_only_to_the_account_it_registered_while_bound_to_four_more() {
    // REG-3, LOGIN-2
    let app = spawn_app().await;
    let phone = unique_phone();
    let registered = app.sms_sign_in(&phone, Some(agreements())).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let binding = accounts_binding(&app, &phone, 5).await;
    for (i, (_, token, change, code)) in binding.iter().take(4).enumerate() {
        let reply = bind(&app, token, change, code, i).await;
        assert_eq!(reply.status, 200, "bind {i}: {:?}", reply.body);
        assert_eq!(reply.body["phone"], masked(&phone));
    }
    let (_, sixth_token, change, code) = &binding[4];
    let refused = bind(&app, sixth_token, change, code, 4).await;
    assert_eq!((refused.status, refused.code()), (409, "PHONE_PASSPORT_LIMIT"), "{:?}", refused.body);
    assert_ne!(app.call("GET", "/v1/accounts/me", Some(sixth_token), None).await.body["phone"], masked(&phone));
    for _ in 0..2 {
        let signed_in = app.sms_sign_in(&phone, None).await;
        assert_eq!(signed_in.body["account_id"], registered.body["account_id"], "never one of the bound accounts");
    }

    // A bound account moving to another phone frees its place.
    let (leaver, leaver_token, ..) = &binding[0];
    let me = app.call("GET", "/v1/accounts/me", Some(leaver_token), None).await;
    assert_eq!(me.body["account_id"], json!(leaver));
    let (change, code) = app.seed_phone_change(leaver, &phone, &unique_phone()).await;
    assert_eq!(bind(&app, leaver_token, &change, &code, 0).await.status, 200);
    let (account_id, own_phone, token) = app.passport_user().await;
    let (change, code) = app.seed_phone_change(&account_id, &own_phone, &phone).await;
    let reply = bind(&app, &token, &change, &code, 1).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(app.sms_sign_in(&phone, None).await.body["account_id"], registered.body["account_id"]);
}
