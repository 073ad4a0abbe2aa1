//! Passkeys through the API [KEY-1] with a software authenticator written to the WebAuthn spec
//! (`api_tests::passkey`: ES256, discoverable, its counter under the test's control): registered
//! under operation protection, listed, signing in with and without a username (login protection
//! satisfied), and refused alike for a replayed assertion, another origin, an expired challenge,
//! a cloned key (whose owner is told) and another account's key; chosen for operation or login
//! protection, a passkey steps up or completes a password's sign-in [KEY-2].

use api_tests::passkey::TestPasskey;
use api_tests::*;
use chrono::Duration;
use serde_json::{json, Value};

/// The local console's origin (the relying party is `localhost`, any port).
const ORIGIN: &str = "http://localhost:3000";

/// Registers a passkey named `name` for the signed-in user (stepping up by SMS first).
async fn register(app: &TestApp, token: &str, phone: &str, key: &mut TestPasskey, name: &str) -> Reply {
    assert_eq!(app.step_up_by_sms(token, phone).await.status, 201);
    add_passkey(app, token, key, name).await
}

/// Registers a passkey for a session that needs no step-up (a sub-user's without a device).
async fn add_passkey(app: &TestApp, token: &str, key: &mut TestPasskey, name: &str) -> Reply {
    let begun = app.call("POST", "/v1/passkeys/registrations", Some(token), Some(json!({ "name": name }))).await;
    assert_eq!(begun.status, 201, "{:?}", begun.body);
    let answer = key.register(&begun.body["options"], ORIGIN);
    let path = format!("/v1/passkeys/registrations/{}", begun.body["ceremony_id"].as_str().unwrap());
    app.call("POST", &path, Some(token), Some(json!({ "credential": answer }))).await
}

/// A sub-user `ops-li` of the (stepped-up) main account, signed in: (its id, its token).
async fn sub_user_session(app: &TestApp, main: &str) -> (String, String) {
    let account = app.call("GET", "/v1/accounts/me", Some(main), None).await.body["account_id"].clone();
    let new = json!({ "username": "ops-li", "password": "Quiet-Lantern-73" });
    let created = app.call("POST", "/v1/sub-users", Some(main), Some(new)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let body = json!({ "account": account, "username": "ops-li", "password": "Quiet-Lantern-73" });
    let signed_in = app.call("POST", "/v1/sub-user-sessions", None, Some(body)).await;
    assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
    let id = created.body["sub_user_id"].as_str().unwrap().to_owned();
    (id, signed_in.body["access_token"].as_str().unwrap().to_owned())
}

async fn begin_sign_in(app: &TestApp, body: Value) -> Reply {
    let begun = app.call("POST", "/v1/passkey-sign-ins", None, Some(body)).await;
    assert_eq!(begun.status, 201, "{:?}", begun.body);
    begun
}

async fn finish_sign_in(app: &TestApp, begun: &Reply, assertion: &Value) -> Reply {
    let path = format!("/v1/passkey-sign-ins/{}", begun.body["ceremony_id"].as_str().unwrap());
    app.call("POST", &path, None, Some(json!({ "credential": assertion }))).await
}

#[tokio::test]
async fn a_passkey_registered_under_operation_protection_signs_in_without_a_username() {
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    // Operation protection: a fresh second factor first.
    let early = app.call("POST", "/v1/passkeys/registrations", Some(&token), Some(json!({ "name": "Laptop" }))).await;
    assert_eq!((early.status, early.code()), (403, "STEP_UP_REQUIRED"));
    let mut key = TestPasskey::default();
    let registered = register(&app, &token, &phone, &mut key, "  Work laptop ").await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    assert_eq!(registered.body["name"], "Work laptop");
    assert_eq!(registered.body["authenticator"], "platform");
    let listed = app.call("GET", "/v1/passkeys", Some(&token), None).await;
    assert_eq!(listed.body["limit"], 10);
    assert_eq!(listed.body["passkeys"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["passkeys"][0]["last_used_at"], Value::Null);

    // No username: the options name no key, the authenticator picks its own.
    let begun = begin_sign_in(&app, json!({})).await;
    let options = &begun.body["options"]["publicKey"];
    assert!(options["allowCredentials"].as_array().is_none_or(Vec::is_empty), "{options}");
    assert_eq!(options["userVerification"], "required");
    let assertion = key.sign_in(&begun.body["options"], ORIGIN);
    let signed_in = finish_sign_in(&app, &begun, &assertion).await;
    assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
    let session = signed_in.body["access_token"].as_str().unwrap();
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(session), None).await.status, 200);
    let listed = app.call("GET", "/v1/passkeys", Some(&token), None).await;
    assert!(listed.body["passkeys"][0]["last_used_at"].is_string(), "{:?}", listed.body);

    // Renamed; removed (under operation protection), the last one too: the password still signs in.
    let id = listed.body["passkeys"][0]["passkey_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/passkeys/{id}");
    let renamed = app.call("PUT", &path, Some(&token), Some(json!({ "name": "Old laptop" }))).await;
    assert_eq!((renamed.status, renamed.body["name"].as_str()), (200, Some("Old laptop")), "{:?}", renamed.body);
    let (_, stranger_phone, stranger) = app.signed_in_user().await;
    let foreign = app.call("PUT", &path, Some(&stranger), Some(json!({ "name": "Mine" }))).await;
    assert_eq!(foreign.status, 404, "another account's passkey");
    assert_eq!(app.step_up_by_sms(&stranger, &stranger_phone).await.status, 201);
    assert_eq!(app.call("DELETE", &path, Some(&stranger), None).await.status, 404);
    // The same assertion again: the challenge was single-use.
    let replayed = finish_sign_in(&app, &begun, &assertion).await;
    assert_eq!((replayed.status, replayed.code()), (401, "PASSKEY_SIGN_IN_FAILED"));

    app.clock.advance(Duration::minutes(6));
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    let stale = app.call("DELETE", &path, Some(&token), None).await;
    assert_eq!((stale.status, stale.code()), (403, "STEP_UP_REQUIRED"));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    assert_eq!(app.call("DELETE", &path, Some(&token), None).await.status, 204);
    assert_eq!(app.call("GET", "/v1/passkeys", Some(&token), None).await.body["passkeys"], json!([]));
    // A removed key signs nothing in; the password does.
    let begun = begin_sign_in(&app, json!({})).await;
    let gone = finish_sign_in(&app, &begun, &key.sign_in(&begun.body["options"], ORIGIN)).await;
    assert_eq!((gone.status, gone.code()), (401, "PASSKEY_SIGN_IN_FAILED"));
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 201);
}

#[tokio::test]
async fn a_passkey_satisfies_login_protection_and_a_username_without_one_is_answered_alike() {
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let mut key = TestPasskey::default();
    assert_eq!(register(&app, &token, &phone, &mut key, "Phone").await.status, 201);
    let on = json!({ "login_protection": true, "operation_protection": true });
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(on)).await.status, 204);
    assert_eq!(app.sign_in(&username, PASSWORD).await.status, 202, "the password asks for a second factor");

    let begun = begin_sign_in(&app, json!({ "username": username })).await;
    let signed_in = finish_sign_in(&app, &begun, &key.sign_in(&begun.body["options"], ORIGIN)).await;
    assert_eq!(signed_in.status, 201, "a passkey is both factors: {:?}", signed_in.body);

    // A name with no passkey, and one that names nobody, get the same options' shape [REC-4].
    let (other, _, _) = app.signed_in_user().await;
    let shape = |r: &Reply| {
        let o = &r.body["options"]["publicKey"];
        (r.status, o.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()), o["allowCredentials"].clone())
    };
    let without = begin_sign_in(&app, json!({ "username": other })).await;
    let nobody = begin_sign_in(&app, json!({ "username": format!("nobody{}", unique_username()) })).await;
    assert_eq!(shape(&without), shape(&begun));
    assert_eq!(shape(&nobody), shape(&begun));
    // This account's key does not sign in where another username was named.
    let elsewhere = finish_sign_in(&app, &without, &key.sign_in(&without.body["options"], ORIGIN)).await;
    assert_eq!((elsewhere.status, elsewhere.code()), (401, "PASSKEY_SIGN_IN_FAILED"));
    let nowhere = finish_sign_in(&app, &nobody, &key.sign_in(&nobody.body["options"], ORIGIN)).await;
    assert_eq!((nowhere.status, nowhere.code()), (401, "PASSKEY_SIGN_IN_FAILED"));
}

#[tokio::test]
async fn a_cloned_key_another_origin_and_an_expired_challenge_are_refused() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let mut key = TestPasskey::default();
    assert_eq!(register(&app, &token, &phone, &mut key, "Security key").await.status, 201);

    // Another origin (a phishing page) signs nothing in.
    let begun = begin_sign_in(&app, json!({})).await;
    let phished = finish_sign_in(&app, &begun, &key.sign_in(&begun.body["options"], "https://evil.example")).await;
    assert_eq!((phished.status, phished.code()), (401, "PASSKEY_SIGN_IN_FAILED"));

    // Past its 5 minutes a challenge is over.
    let begun = begin_sign_in(&app, json!({})).await;
    let assertion = key.sign_in(&begun.body["options"], ORIGIN);
    app.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let late = finish_sign_in(&app, &begun, &assertion).await;
    assert_eq!((late.status, late.code()), (401, "PASSKEY_SIGN_IN_FAILED"));

    // A copy of the key signs with a counter the original already passed: refused, owner told.
    let first = begin_sign_in(&app, json!({})).await;
    let copy_signs = key.sign_in(&first.body["options"], ORIGIN);
    let second = begin_sign_in(&app, json!({})).await;
    let original_signs = key.sign_in(&second.body["options"], ORIGIN);
    assert_eq!(finish_sign_in(&app, &second, &original_signs).await.status, 201);
    let cloned = finish_sign_in(&app, &first, &copy_signs).await;
    assert_eq!((cloned.status, cloned.code()), (401, "PASSKEY_SIGN_IN_FAILED"));
    let sms = app.state().services.sandbox_sms().unwrap().messages(Some(&phone));
    assert!(sms.iter().any(|m| m.text.contains("counter went back") && m.text.contains("Security key")), "{sms:?}");
    // The original goes on signing in.
    let next = begin_sign_in(&app, json!({})).await;
    assert_eq!(finish_sign_in(&app, &next, &key.sign_in(&next.body["options"], ORIGIN)).await.status, 201);
}

#[tokio::test]
async fn ten_passkeys_at_most_even_when_registered_at_once() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let mut key = TestPasskey::default();
    for n in 0..8 {
        assert_eq!(register(&app, &token, &phone, &mut key, &format!("Key {n}")).await.status, 201);
    }
    // Three begun while 8 are kept: all three finished at once, two fit.
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let mut answers = vec![];
    for n in 0..3 {
        let body = json!({ "name": format!("Burst {n}") });
        let begun = app.call("POST", "/v1/passkeys/registrations", Some(&token), Some(body)).await;
        assert_eq!(begun.status, 201, "{:?}", begun.body);
        let path = format!("/v1/passkeys/registrations/{}", begun.body["ceremony_id"].as_str().unwrap());
        answers.push((path, key.register(&begun.body["options"], ORIGIN)));
    }
    let finished = futures::future::join_all(
        answers
            .iter()
            .map(|(path, answer)| app.call("POST", path, Some(&token), Some(json!({ "credential": answer })))),
    )
    .await;
    let mut outcomes: Vec<(u16, String)> = finished.iter().map(|r| (r.status, r.code().to_owned())).collect();
    outcomes.sort();
    assert_eq!(outcomes, [(201, String::new()), (201, String::new()), (409, "PASSKEY_LIMIT".into())]);
    let listed = app.call("GET", "/v1/passkeys", Some(&token), None).await;
    assert_eq!(listed.body["passkeys"].as_array().unwrap().len(), 10);
    let full = app.call("POST", "/v1/passkeys/registrations", Some(&token), Some(json!({ "name": "11th" }))).await;
    assert_eq!((full.status, full.code()), (409, "PASSKEY_LIMIT"));
}

async fn begin_step_up(app: &TestApp, token: &str) -> Reply {
    app.call("POST", "/v1/step-up/passkey", Some(token), None).await
}

async fn finish_step_up(app: &TestApp, token: &str, begun: &Reply, assertion: &Value) -> Reply {
    let path = format!("/v1/step-up/passkey/{}", begun.body["ceremony_id"].as_str().unwrap());
    app.call("POST", &path, Some(token), Some(json!({ "credential": assertion }))).await
}

/// Operation protection by passkey [KEY-2]: chosen only once one is registered; then only a
/// passkey steps up (SMS is refused with the factors that pass), by one of the account's own keys
/// on the session that began it, once per ceremony; with SMS chosen too, either passes; the last
/// passkey removed, SMS is what is left.
#[tokio::test]
async fn a_passkey_chosen_for_operation_protection_steps_up() {
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    let protect = |factors: Value| json!({ "login_protection": false, "operation_protection": true, "operation_factors": factors });
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let early = app.call("PUT", "/v1/security/protection", Some(&token), Some(protect(json!(["passkey"])))).await;
    assert_eq!((early.status, early.code()), (422, "PASSKEY_NOT_REGISTERED"), "{:?}", early.body);
    let not_yet = begin_step_up(&app, &token).await;
    assert_eq!((not_yet.status, not_yet.code()), (403, "FACTOR_NOT_CHOSEN"), "{:?}", not_yet.body);

    let mut key = TestPasskey::default();
    assert_eq!(register(&app, &token, &phone, &mut key, "Laptop").await.status, 201);
    let chosen = app.call("PUT", "/v1/security/protection", Some(&token), Some(protect(json!(["passkey"])))).await;
    assert_eq!(chosen.status, 204, "{:?}", chosen.body);
    let read = app.call("GET", "/v1/security", Some(&token), None).await;
    assert_eq!(read.body["operation_factors"], json!(["passkey"]), "{:?}", read.body);

    app.clock.advance(Duration::minutes(6));
    let sensitive =
        app.call("PUT", "/v1/security/protection", Some(&token), Some(protect(json!(["sms", "passkey"])))).await;
    assert_eq!((sensitive.status, sensitive.code()), (403, "STEP_UP_REQUIRED"), "{:?}", sensitive.body);
    assert_eq!(sensitive.body["error"]["details"]["factors"], json!(["passkey"]), "{:?}", sensitive.body);
    let by_sms = app.call("POST", "/v1/step-up/sms-codes", Some(&token), None).await;
    assert_eq!((by_sms.status, by_sms.code()), (403, "FACTOR_NOT_CHOSEN"), "{:?}", by_sms.body);

    // Another account's key, and another session's ceremony, do not step this one up.
    let (_, other_phone, other) = app.signed_in_user().await;
    let mut other_key = TestPasskey::default();
    assert_eq!(register(&app, &other, &other_phone, &mut other_key, "Theirs").await.status, 201);
    let begun = begin_step_up(&app, &token).await;
    assert_eq!(begun.status, 201, "{:?}", begun.body);
    let foreign = finish_step_up(&app, &token, &begun, &other_key.sign_in(&begun.body["options"], ORIGIN)).await;
    assert_eq!((foreign.status, foreign.code()), (400, "SECOND_FACTOR_INVALID"), "{:?}", foreign.body);
    let begun = begin_step_up(&app, &token).await;
    let elsewhere = finish_step_up(&app, &other, &begun, &key.sign_in(&begun.body["options"], ORIGIN)).await;
    assert_eq!(elsewhere.status, 400, "{:?}", elsewhere.body);

    let begun = begin_step_up(&app, &token).await;
    let assertion = key.sign_in(&begun.body["options"], ORIGIN);
    let stepped = finish_step_up(&app, &token, &begun, &assertion).await;
    assert_eq!(stepped.status, 201, "{:?}", stepped.body);
    assert!(stepped.body["step_up_expires_at"].is_string());
    let replayed = finish_step_up(&app, &token, &begun, &assertion).await;
    assert_eq!((replayed.status, replayed.code()), (400, "SECOND_FACTOR_INVALID"));
    let both = app.call("PUT", "/v1/security/protection", Some(&token), Some(protect(json!(["sms", "passkey"])))).await;
    assert_eq!(both.status, 204, "stepped up by the passkey: {:?}", both.body);

    // SMS or a passkey: either passes. The last passkey removed: SMS is left.
    app.clock.advance(Duration::minutes(6));
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let id = app.call("GET", "/v1/passkeys", Some(&token), None).await.body["passkeys"][0]["passkey_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.call("DELETE", &format!("/v1/passkeys/{id}"), Some(&token), None).await.status, 204);
    app.clock.advance(Duration::minutes(6));
    let after = app.call("PUT", "/v1/security/protection", Some(&token), Some(protect(json!(["sms"])))).await;
    assert_eq!(after.body["error"]["details"]["factors"], json!(["sms"]), "{:?}", after.body);
    let gone = begin_step_up(&app, &token).await;
    assert_eq!((gone.status, gone.code()), (403, "FACTOR_NOT_CHOSEN"), "{:?}", gone.body);
}

async fn begin_second_factor(app: &TestApp, sign_in_id: &Value) -> Reply {
    app.call("POST", "/v1/sessions/second-factor/passkey", None, Some(json!({ "sign_in_id": sign_in_id }))).await
}

async fn finish_second_factor(app: &TestApp, begun: &Reply, assertion: &Value) -> Reply {
    let path = format!("/v1/sessions/second-factor/passkey/{}", begun.body["ceremony_id"].as_str().unwrap());
    app.call("POST", &path, None, Some(json!({ "credential": assertion }))).await
}

/// Login protection by passkey [KEY-2]: a password's sign-in waits for a second factor that only
/// a passkey of that account passes (SMS refused with the factors that pass), once per
/// ceremony, the session issued once; with SMS chosen too, either passes.
#[tokio::test]
async fn a_passkey_chosen_for_login_protection_completes_a_password_sign_in() {
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let mut key = TestPasskey::default();
    assert_eq!(register(&app, &token, &phone, &mut key, "Laptop").await.status, 201);
    let chosen = json!({ "login_protection": true, "operation_protection": true, "login_factors": ["passkey"] });
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(chosen)).await.status, 204);

    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.status, 202, "{:?}", pending.body);
    assert_eq!(pending.body["factors"], json!(["passkey"]), "{:?}", pending.body);
    let sign_in_id = pending.body["sign_in_id"].clone();
    let by_sms =
        app.call("POST", "/v1/sessions/second-factor/sms-codes", None, Some(json!({ "sign_in_id": sign_in_id }))).await;
    assert_eq!((by_sms.status, by_sms.code()), (403, "FACTOR_NOT_CHOSEN"), "{:?}", by_sms.body);

    // Another account's key does not complete it.
    let (_, other_phone, other) = app.signed_in_user().await;
    let mut other_key = TestPasskey::default();
    assert_eq!(register(&app, &other, &other_phone, &mut other_key, "Theirs").await.status, 201);
    let begun = begin_second_factor(&app, &sign_in_id).await;
    assert_eq!(begun.status, 201, "{:?}", begun.body);
    let foreign = finish_second_factor(&app, &begun, &other_key.sign_in(&begun.body["options"], ORIGIN)).await;
    assert_eq!((foreign.status, foreign.code()), (400, "SECOND_FACTOR_INVALID"), "{:?}", foreign.body);

    let begun = begin_second_factor(&app, &sign_in_id).await;
    let assertion = key.sign_in(&begun.body["options"], ORIGIN);
    let signed_in = finish_second_factor(&app, &begun, &assertion).await;
    assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
    let session = signed_in.body["access_token"].as_str().unwrap();
    assert_eq!(app.call("GET", "/v1/accounts/me", Some(session), None).await.status, 200);
    let replayed = finish_second_factor(&app, &begun, &assertion).await;
    assert_eq!((replayed.status, replayed.code()), (400, "SECOND_FACTOR_INVALID"));
    let again = begin_second_factor(&app, &sign_in_id).await;
    assert_eq!(
        (again.status, again.code()),
        (400, "SIGN_IN_FLOW_INVALID"),
        "the sign-in is finished: {:?}",
        again.body
    );

    // SMS or a passkey: the pending sign-in offers both.
    assert_eq!(app.step_up_by_sms(session, &phone).await.status, 201);
    let either = json!({ "login_protection": true, "operation_protection": true, "login_factors": ["sms", "passkey"] });
    assert_eq!(app.call("PUT", "/v1/security/protection", Some(session), Some(either)).await.status, 204);
    let pending = app.sign_in(&username, PASSWORD).await;
    assert_eq!(pending.body["factors"], json!(["sms", "passkey"]), "{:?}", pending.body);
}

/// A sub-user's passkeys [KEY-1]: refused while its main account does not allow them; allowed,
/// the sub-user registers one and signs in with it (its own session); no longer allowed, that key
/// signs nothing in.
#[tokio::test]
async fn a_sub_user_has_passkeys_only_while_its_main_account_allows_them() {
    let app = spawn_app().await;
    let (_, phone, main) = app.signed_in_user().await;
    assert_eq!(app.step_up_by_sms(&main, &phone).await.status, 201);
    let (sub_user_id, sub) = sub_user_session(&app, &main).await;

    let name = json!({ "name": "Ops laptop" });
    let refused = app.call("POST", "/v1/passkeys/registrations", Some(&sub), Some(name)).await;
    assert_eq!((refused.status, refused.code()), (403, "PASSKEYS_NOT_ALLOWED"), "{:?}", refused.body);
    let allow = |on: bool| json!({ "passkeys_allowed": on });
    let allowed = app.call("PUT", "/v1/sub-users/settings", Some(&main), Some(allow(true))).await;
    assert_eq!((allowed.status, &allowed.body["passkeys_allowed"]), (200, &json!(true)), "{:?}", allowed.body);
    assert_eq!(app.call("GET", "/v1/sub-users", Some(&main), None).await.body["passkeys_allowed"], json!(true));

    let mut key = TestPasskey::default();
    let registered = add_passkey(&app, &sub, &mut key, "Ops laptop").await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);

    let begun = begin_sign_in(&app, json!({})).await;
    let by_key = finish_sign_in(&app, &begun, &key.sign_in(&begun.body["options"], ORIGIN)).await;
    assert_eq!(by_key.status, 201, "{:?}", by_key.body);
    let session = by_key.body["access_token"].as_str().unwrap();
    let own = app.call("GET", "/v1/passkeys", Some(session), None).await;
    assert_eq!(own.body["passkeys"][0]["name"], "Ops laptop", "the sub-user's own session: {:?}", own.body);
    let mains = app.call("GET", "/v1/passkeys", Some(&main), None).await;
    assert_eq!(mains.body["passkeys"], json!([]), "the main account's are its own");

    assert_eq!(app.call("PUT", "/v1/sub-users/settings", Some(&main), Some(allow(false))).await.status, 200);
    let begun = begin_sign_in(&app, json!({})).await;
    let off = finish_sign_in(&app, &begun, &key.sign_in(&begun.body["options"], ORIGIN)).await;
    assert_eq!((off.status, off.code()), (401, "PASSKEY_SIGN_IN_FAILED"), "{:?}", off.body);

    // Deleted by its main account, the sub-user's passkeys go with it.
    use shared::usecases::deps::HasPasskeys;
    let passkey_id = own.body["passkeys"][0]["passkey_id"].as_str().unwrap().to_owned();
    assert!(app.state().services.passkeys().passkey(&passkey_id).await.unwrap().is_some());
    assert_eq!(app.call("DELETE", &format!("/v1/sub-users/{sub_user_id}"), Some(&main), None).await.status, 204);
    assert!(app.state().services.passkeys().passkey(&passkey_id).await.unwrap().is_none(), "erased with it");
}

/// A deleted account's passkeys are erased with it [KEY-1, DEL-3]: its own and its sub-users'.
#[tokio::test]
async fn a_deleted_accounts_passkeys_are_erased_with_it() {
    use shared::domain::deletion::Erasure;
    use shared::domain::ids::{AccountId, FlowId};
    use shared::domain::login::CredentialRef;
    use shared::usecases::deps::{HasFlows, HasPasskeys};
    let app = spawn_isolated_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let mut key = TestPasskey::default();
    assert_eq!(register(&app, &token, &phone, &mut key, "Laptop").await.status, 201);
    let account =
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["account_id"].as_str().unwrap().to_owned();
    let settings = json!({ "passkeys_allowed": true });
    assert_eq!(app.call("PUT", "/v1/sub-users/settings", Some(&token), Some(settings)).await.status, 200);
    let (_, sub_token) = sub_user_session(&app, &token).await;
    let mut sub_key = TestPasskey::default();
    assert_eq!(add_passkey(&app, &sub_token, &mut sub_key, "Ops").await.status, 201);
    let mut ids = vec![];
    for t in [&token, &sub_token] {
        let listed = app.call("GET", "/v1/passkeys", Some(t), None).await;
        ids.push(listed.body["passkeys"][0]["passkey_id"].as_str().unwrap().to_owned());
    }

    // The erasure as the account's deletion records it.
    let erasure = Erasure {
        account_id: AccountId::from_raw(&account),
        kind: shared::domain::account::AccountKind::Cloud,
        deleted_at: app.clock_now(),
        credential: Some(CredentialRef::Cloud(username.to_ascii_lowercase())),
        ledger_entries: vec![],
        finished_at: None,
        erased_items: 0,
        erased_files: 0,
    };
    let services = &app.state().services;
    services.flows::<Erasure>().create(&FlowId::generate(), &erasure).await.unwrap();
    app.clock.advance(Duration::minutes(6));
    app.gateway.fire_schedules().await.unwrap();
    for id in &ids {
        assert!(services.passkeys().passkey(id).await.unwrap().is_none(), "passkey {id} erased");
    }
}

/// A passkey sign-in after a username spends that name's tries at the caller's source, as a
/// password does [LOGIN-6]: five refused from one source lock that source out of the name (its
/// right key too), while another source still signs in; a success clears the window.
#[tokio::test]
async fn failed_passkey_sign_ins_at_one_name_lock_that_source_out_of_it() {
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    let mut key = TestPasskey::default();
    assert_eq!(register(&app, &token, &phone, &mut key, "Laptop").await.status, 201);
    let (_, other_phone, other) = app.signed_in_user().await;
    let mut stranger = TestPasskey::default();
    assert_eq!(register(&app, &other, &other_phone, &mut stranger, "Theirs").await.status, 201);
    let named = json!({ "username": username });
    let attempt = |ip: &'static str, key: &mut TestPasskey, begun: &Reply| {
        let assertion = key.sign_in(&begun.body["options"], ORIGIN);
        let path = format!("/v1/passkey-sign-ins/{}", begun.body["ceremony_id"].as_str().unwrap());
        (ip, path, json!({ "credential": assertion }))
    };
    for _ in 0..5 {
        let begun = begin_sign_in(&app, named.clone()).await;
        let (ip, path, body) = attempt("198.51.100.7", &mut stranger, &begun);
        let refused = app.call_from(ip, "POST", &path, None, bytes::Bytes::from(body.to_string())).await;
        assert_eq!((refused.status, refused.code()), (401, "PASSKEY_SIGN_IN_FAILED"), "{:?}", refused.body);
    }
    let begun = begin_sign_in(&app, named.clone()).await;
    let (ip, path, body) = attempt("198.51.100.7", &mut key, &begun);
    let locked = app.call_from(ip, "POST", &path, None, bytes::Bytes::from(body.to_string())).await;
    assert_eq!((locked.status, locked.code()), (429, "SIGN_IN_LOCKED"), "{:?}", locked.body);
    let begun = begin_sign_in(&app, named.clone()).await;
    let (ip, path, body) = attempt("198.51.100.8", &mut key, &begun);
    let elsewhere = app.call_from(ip, "POST", &path, None, bytes::Bytes::from(body.to_string())).await;
    assert_eq!(elsewhere.status, 201, "another source is not locked out: {:?}", elsewhere.body);
}
