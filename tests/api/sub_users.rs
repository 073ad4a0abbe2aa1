//! Sub-users [LOGIN-5] through the API: the main account's management, the sub-users' own entry
//! (by AccountId or alias), the 2FA the main account requires (a device bound at sign-in), its
//! idle timeout, the 403s, and disabling or deleting that ends sessions at once.

use api_tests::*;
use bytes::Bytes;
use chrono::Duration;
use serde_json::{json, Value};

const SUB_PASSWORD: &str = "Quiet-Lantern-73";

/// A main account (signed in and stepped up): (token, account id).
async fn main_account(app: &TestApp) -> (String, String) {
    let (_, phone, token) = app.signed_in_user().await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let id =
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["account_id"].as_str().unwrap().to_owned();
    (token, id)
}

async fn create(app: &TestApp, token: &str, username: &str) -> Reply {
    let body = json!({"username": username, "password": SUB_PASSWORD, "display_name": "运维 李"});
    app.call("POST", "/v1/sub-users", Some(token), Some(body)).await
}

async fn sub_sign_in(app: &TestApp, account: &str, username: &str, password: &str) -> Reply {
    let body = json!({"account": account, "username": username, "password": password});
    app.call("POST", "/v1/sub-user-sessions", None, Some(body)).await
}

fn token_of(reply: &Reply) -> String {
    reply.body["access_token"].as_str().unwrap_or_else(|| panic!("{:?}", reply.body)).to_owned()
}

fn error(r: &Reply) -> (u16, Value, Value) {
    (r.status, r.body["error"]["code"].clone(), r.body["error"]["message"].clone())
}

/// A sub-user that must pass a device signs in, binds one and gets its session: (token, secret).
async fn bind_at_sign_in(app: &TestApp, main: &str, username: &str) -> (String, String) {
    let pending = sub_sign_in(app, main, username, SUB_PASSWORD).await;
    assert_eq!(pending.body["mfa_binding_required"], true, "{:?}", pending.body);
    let sign_in_id = pending.body["sign_in_id"].clone();
    let started = app
        .call("POST", "/v1/sessions/second-factor/totp-binding", None, Some(json!({"sign_in_id": sign_in_id})))
        .await;
    let secret = started.body["secret"].as_str().unwrap().to_owned();
    let body = json!({
        "sign_in_id": sign_in_id, "binding_id": started.body["binding_id"],
        "first_code": totp_code(app, &secret, -1), "second_code": totp_code(app, &secret, 0),
    });
    let bound = app.call("POST", "/v1/sessions/second-factor/totp-binding/confirmation", None, Some(body)).await;
    assert_eq!(bound.status, 201, "{:?}", bound.body);
    (token_of(&bound), secret)
}

#[tokio::test]
async fn a_main_account_creates_lists_and_its_sub_users_sign_in_by_account_id_or_alias() {
    let app = spawn_app().await;
    let (token, main) = main_account(&app).await;
    let created = create(&app, &token, "Ops-Li").await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!((created.body["username"].clone(), created.body["enabled"].clone()), (json!("ops-li"), json!(true)));
    assert_eq!(create(&app, &token, "ops-li").await.code(), "SUB_USER_NAME_TAKEN", "unique within the main account");
    let weak = app
        .call(
            "POST",
            "/v1/sub-users",
            Some(&token),
            Some(json!({"username": "devops", "password": "Devops-Lantern-1"})),
        )
        .await;
    assert_eq!((weak.status, weak.code()), (422, "WEAK_PASSWORD"), "the main account's password policy");
    // Another main account may have a sub-user of the same name.
    let (other, _) = main_account(&app).await;
    assert_eq!(create(&app, &other, "ops-li").await.status, 201);

    let listed = app.call("GET", "/v1/sub-users", Some(&token), None).await;
    assert_eq!(listed.body["sub_users"].as_array().unwrap().len(), 1, "{:?}", listed.body);
    assert_eq!(listed.body["sign_in"]["account"], json!(main));

    let signed_in = sub_sign_in(&app, &main, "OPS-LI", SUB_PASSWORD).await;
    assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["account_id"], created.body["sub_user_id"]);

    let alias = format!("acme-{}", &main[..8]);
    let set = app.call("PUT", "/v1/sub-users/settings", Some(&token), Some(json!({"alias": alias}))).await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let taken = app.call("PUT", "/v1/sub-users/settings", Some(&other), Some(json!({"alias": alias}))).await;
    assert_eq!(taken.code(), "ALIAS_TAKEN");
    assert_eq!(sub_sign_in(&app, &alias, "ops-li", SUB_PASSWORD).await.status, 201, "by alias");

    // An unknown main account, alias or sub-user, a disabled one, one without console access
    // and a wrong password get the same answer.
    let api_only = json!({"username": "api-only", "password": SUB_PASSWORD, "console_access": false});
    assert_eq!(app.call("POST", "/v1/sub-users", Some(&token), Some(api_only)).await.status, 201);
    let off = create(&app, &token, "switched-off").await.body["sub_user_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/sub-users/{off}/status");
    assert_eq!(app.call("PUT", &path, Some(&token), Some(json!({"enabled": false}))).await.status, 204);
    let wrong = sub_sign_in(&app, &main, "ops-li", "Wrong-Lantern-99").await;
    for other in [
        sub_sign_in(&app, "0123456789abcdef0123456789abcdef", "ops-li", SUB_PASSWORD).await,
        sub_sign_in(&app, "no-such-alias", "ops-li", SUB_PASSWORD).await,
        sub_sign_in(&app, &main, "nobody", SUB_PASSWORD).await,
        sub_sign_in(&app, &main, "api-only", SUB_PASSWORD).await,
        sub_sign_in(&app, &main, "switched-off", SUB_PASSWORD).await,
    ] {
        assert_eq!(error(&other), error(&wrong));
    }
    let upper = sub_sign_in(&app, &main.to_uppercase(), "ops-li", SUB_PASSWORD).await;
    assert_eq!(upper.status, 201, "an AccountId in capitals: {:?}", upper.body);
    assert_eq!(wrong.code(), "INVALID_CREDENTIALS");
}

#[tokio::test]
async fn a_sub_user_session_cannot_reach_the_main_accounts_account_centre() {
    let app = spawn_app().await;
    let (token, main) = main_account(&app).await;
    assert_eq!(create(&app, &token, "auditor").await.status, 201);
    let sub = token_of(&sub_sign_in(&app, &main, "auditor", SUB_PASSWORD).await);
    let forbidden = [
        ("GET", "/v1/accounts/me", None),
        ("PUT", "/v1/accounts/me/profile", Some(json!({"display_name": "x"}))),
        ("POST", "/v1/verifications/personal/bank-card", Some(json!({}))),
        ("POST", "/v1/account-deletions", Some(json!({"agreements": []}))),
        ("POST", "/v1/sub-users", Some(json!({"username": "x", "password": SUB_PASSWORD}))),
        ("GET", "/v1/sub-users", None),
        ("PUT", "/v1/security/protection", Some(json!({"login_protection": false, "operation_protection": true}))),
        ("POST", "/v1/accounts/me/phone-changes", Some(json!({}))),
        ("GET", "/v1/enterprise", None),
        ("POST", "/v1/accounts/me/activation", Some(json!({"agreements": agreements()}))),
    ];
    for (method, path, body) in forbidden {
        let reply = app.call(method, path, Some(&sub), body).await;
        assert_eq!((reply.status, reply.code()), (403, "SUB_USER_FORBIDDEN"), "{method} {path}: {:?}", reply.body);
    }
    assert_eq!(app.call("GET", "/v1/sessions", Some(&sub), None).await.status, 200, "its own sessions");
    assert_eq!(app.call("GET", "/v1/security", Some(&sub), None).await.status, 200, "its own security view");
    assert_eq!(app.call("DELETE", "/v1/sessions/current", Some(&sub), None).await.status, 204);
}

#[tokio::test]
async fn disabling_or_deleting_a_sub_user_ends_its_sessions_at_once() {
    let app = spawn_app().await;
    let (token, main) = main_account(&app).await;
    let id = create(&app, &token, "builder").await.body["sub_user_id"].as_str().unwrap().to_owned();
    let sessions = [
        token_of(&sub_sign_in(&app, &main, "builder", SUB_PASSWORD).await),
        token_of(&sub_sign_in(&app, &main, "builder", SUB_PASSWORD).await),
    ];
    let path = format!("/v1/sub-users/{id}/status");
    let status = |enabled: bool| app.call("PUT", &path, Some(&token), Some(json!({"enabled": enabled})));
    assert_eq!(status(false).await.status, 204);
    for s in &sessions {
        assert_eq!(app.call("GET", "/v1/sessions", Some(s), None).await.status, 401, "ended at once");
    }
    let disabled = sub_sign_in(&app, &main, "builder", SUB_PASSWORD).await;
    assert_eq!(disabled.code(), "INVALID_CREDENTIALS", "a disabled sub-user signs in to nothing");
    let listed = app.call("GET", "/v1/sub-users", Some(&token), None).await;
    assert_eq!(listed.body["sub_users"][0]["enabled"], false);
    assert_eq!(status(true).await.status, 204);
    let again = token_of(&sub_sign_in(&app, &main, "builder", SUB_PASSWORD).await);

    let reset = app
        .call(
            "PUT",
            &format!("/v1/sub-users/{id}/password"),
            Some(&token),
            Some(json!({"password": "Amber-Kettle-58"})),
        )
        .await;
    assert_eq!(reset.status, 204, "{:?}", reset.body);
    assert_eq!(app.call("GET", "/v1/sessions", Some(&again), None).await.status, 401, "a reset ends its sessions");
    let after_reset = token_of(&sub_sign_in(&app, &main, "builder", "Amber-Kettle-58").await);

    assert_eq!(app.call("DELETE", &format!("/v1/sub-users/{id}"), Some(&token), None).await.status, 204);
    assert_eq!(app.call("GET", "/v1/sessions", Some(&after_reset), None).await.status, 401);
    assert_eq!(sub_sign_in(&app, &main, "builder", "Amber-Kettle-58").await.code(), "INVALID_CREDENTIALS");
    let gone = app.call("DELETE", &format!("/v1/sub-users/{id}"), Some(&token), None).await;
    assert_eq!(gone.status, 404);
    // Another main account cannot act on it.
    let (stranger, _) = main_account(&app).await;
    let id2 = create(&app, &token, "builder2").await.body["sub_user_id"].as_str().unwrap().to_owned();
    let foreign =
        app.call("PUT", &format!("/v1/sub-users/{id2}/status"), Some(&stranger), Some(json!({"enabled": false}))).await;
    assert_eq!(foreign.status, 404, "another main account's sub-user");
}

#[tokio::test]
async fn a_required_2fa_makes_a_sub_user_bind_a_device_before_its_session_then_pass_it() {
    let app = spawn_app().await;
    let (token, main) = main_account(&app).await;
    assert_eq!(create(&app, &token, "finance").await.status, 201);
    let set = app.call("PUT", "/v1/sub-users/settings", Some(&token), Some(json!({"require_mfa": true}))).await;
    assert_eq!(set.body["require_mfa"], true, "{:?}", set.body);

    let pending = sub_sign_in(&app, &main, "finance", SUB_PASSWORD).await;
    assert_eq!(
        (pending.status, pending.body["mfa_binding_required"].clone()),
        (202, json!(true)),
        "{:?}",
        pending.body
    );
    assert!(pending.body.get("access_token").is_none(), "no session before the device");
    let sign_in_id = pending.body["sign_in_id"].clone();
    let started = app
        .call("POST", "/v1/sessions/second-factor/totp-binding", None, Some(json!({"sign_in_id": sign_in_id})))
        .await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let secret = started.body["secret"].as_str().unwrap().to_owned();
    let wrong = json!({"sign_in_id": sign_in_id, "binding_id": started.body["binding_id"], "first_code": "000000", "second_code": "000001"});
    let refused = app.call("POST", "/v1/sessions/second-factor/totp-binding/confirmation", None, Some(wrong)).await;
    assert_eq!(refused.code(), "SECOND_FACTOR_INVALID");
    let body = json!({
        "sign_in_id": sign_in_id, "binding_id": started.body["binding_id"],
        "first_code": totp_code(&app, &secret, -1), "second_code": totp_code(&app, &secret, 0),
    });
    let bound = app.call("POST", "/v1/sessions/second-factor/totp-binding/confirmation", None, Some(body)).await;
    assert_eq!(bound.status, 201, "{:?}", bound.body);
    assert_eq!(bound.body["recovery_codes"].as_array().unwrap().len(), 10);
    let sub = token_of(&bound);
    assert_eq!(app.call("GET", "/v1/sessions", Some(&sub), None).await.status, 200);

    app.clock.advance(Duration::seconds(30));
    let next = sub_sign_in(&app, &main, "finance", SUB_PASSWORD).await;
    assert_eq!(next.body["second_factor_required"], true, "{:?}", next.body);
    assert_eq!(next.body["factors"], json!(["totp", "recovery_code"]), "a sub-user has no phone");
    let completed = app
        .call(
            "POST",
            "/v1/sessions/second-factor",
            None,
            Some(json!({"sign_in_id": next.body["sign_in_id"], "factor": "totp", "code": totp_code(&app, &secret, 0)})),
        )
        .await;
    assert_eq!(completed.status, 201, "{:?}", completed.body);
}

#[tokio::test]
async fn the_main_accounts_idle_timeout_applies_to_its_sub_users() {
    let app = spawn_app().await;
    let (token, main) = main_account(&app).await;
    assert_eq!(create(&app, &token, "early-bird").await.status, 201);
    let set =
        app.call("PUT", "/v1/security/session-settings", Some(&token), Some(json!({"idle_timeout_minutes": 15}))).await;
    assert_eq!(set.status, 204, "{:?}", set.body);
    assert_eq!(create(&app, &token, "late-bird").await.status, 201);
    for name in ["early-bird", "late-bird"] {
        let signed_in = sub_sign_in(&app, &main, name, SUB_PASSWORD).await;
        assert_eq!(signed_in.body["session"]["idle_timeout_seconds"], 900, "{name}: {:?}", signed_in.body);
    }
    let sub = token_of(&sub_sign_in(&app, &main, "early-bird", SUB_PASSWORD).await);
    app.clock.advance(Duration::minutes(16));
    assert_eq!(app.call("GET", "/v1/sessions", Some(&sub), None).await.status, 401, "idle past 15 minutes");
}

#[tokio::test]
async fn fifty_wrong_passwords_at_once_for_a_sub_user_are_limited_like_a_main_sign_in() {
    // LOGIN-6 for the sub-user entry: every try reserved before the password is checked
    let app = spawn_app().await;
    let (token, main) = main_account(&app).await;
    assert_eq!(create(&app, &token, "target").await.status, 201);
    let body = json!({"account": main, "username": "target", "password": "Wrong-Lantern-99"}).to_string();
    let app = &app;
    let calls = (0..50).map(|i| {
        let ip = format!("198.51.100.{}", 10 + i % 8);
        let body = Bytes::from(body.clone());
        async move { app.call_from(&ip, "POST", "/v1/sub-user-sessions", None, body).await }
    });
    let replies = futures::future::join_all(calls).await;
    let checked = replies.iter().filter(|r| r.code() == "INVALID_CREDENTIALS").count();
    assert_eq!(checked, 5, "five wrong passwords are checked, the others refused before the check");
    assert!(replies.iter().all(|r| ["INVALID_CREDENTIALS", "SIGN_IN_LOCKED", "CAPTCHA_REQUIRED"].contains(&r.code())));
}

#[tokio::test]
async fn a_sub_user_created_while_2fa_or_the_idle_timeout_changes_is_not_left_behind() {
    // LOGIN-5, LOGIN-4: the creation copies the 2FA rule and the main account's idle timeout it
    // read into the credential; if either changes between that read and the creation's write,
    // the write is refused (and the use case reads them again), so the change, which updates the
    // sub-users listed, misses none.
    use shared::domain::ids::AccountId;
    use shared::domain::login::CredentialRef;
    use shared::domain::redacted::Redacted;
    use shared::ports::{CreateSubUserOutcome, NewSubUser};
    use shared::usecases::deps::HasSubUsers;
    let app = spawn_app().await;
    let (username, phone, token) = app.signed_in_user().await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let main =
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["account_id"].as_str().unwrap().to_owned();
    assert_eq!(create(&app, &token, "finance").await.status, 201);
    let store = app.state().services.sub_users();
    let read_before = store.directory(&AccountId::from_raw(&main)).await.unwrap().require_mfa;
    assert!(!read_before);
    let late = |require_mfa: bool| NewSubUser {
        main: AccountId::from_raw(&main),
        sub_user_id: AccountId::generate(),
        username: "audit".into(),
        display_name: None,
        password_hash: Redacted::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into()),
        console_access: true,
        created_at: app.clock_now(),
        idle_timeout_secs: 3600,
        main_credential: CredentialRef::Cloud(username.to_lowercase()),
        require_mfa,
    };
    // The 2FA switch lands between the read and the write.
    let set = app.call("PUT", "/v1/sub-users/settings", Some(&token), Some(json!({"require_mfa": true}))).await;
    assert_eq!(set.body["require_mfa"], true, "{:?}", set.body);
    assert_eq!(store.create(&late(read_before), 100).await.unwrap(), CreateSubUserOutcome::RuleChanged);
    // So does a new idle timeout.
    let idle = json!({"idle_timeout_minutes": 15});
    assert_eq!(app.call("PUT", "/v1/security/session-settings", Some(&token), Some(idle)).await.status, 204);
    assert_eq!(store.create(&late(true), 100).await.unwrap(), CreateSubUserOutcome::RuleChanged);
    // With what holds now, the same write goes through (the conditions name the right items).
    let current = NewSubUser { username: "control".into(), idle_timeout_secs: 900, ..late(true) };
    assert_eq!(store.create(&current, 100).await.unwrap(), CreateSubUserOutcome::Created);
    // Through the API the creation reads both again: the new sub-user binds a device and keeps
    // the main account's 15 minutes.
    assert_eq!(create(&app, &token, "audit").await.status, 201);
    let (sub, _) = bind_at_sign_in(&app, &main, "audit").await;
    let security = app.call("GET", "/v1/security", Some(&sub), None).await;
    assert_eq!(security.body["idle_timeout_minutes"], 15, "{:?}", security.body);
}

#[tokio::test]
async fn a_sub_user_with_a_device_passes_it_before_changing_its_password() {
    // LOGIN-5, MFA-2: a sub-user has no phone; once it has a virtual MFA device (here bound at
    // sign-in because the main account requires 2FA), its own sensitive operations need it.
    let app = spawn_app().await;
    let (token, main) = main_account(&app).await;
    assert_eq!(create(&app, &token, "finance").await.status, 201);
    let set = app.call("PUT", "/v1/sub-users/settings", Some(&token), Some(json!({"require_mfa": true}))).await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let (sub, secret) = bind_at_sign_in(&app, &main, "finance").await;

    let change = json!({"current_password": SUB_PASSWORD, "new_password": "Brighter-Lantern-84"});
    let refused = app.call("PUT", "/v1/accounts/me/password", Some(&sub), Some(change.clone())).await;
    assert_eq!((refused.status, refused.code()), (403, "STEP_UP_REQUIRED"), "{:?}", refused.body);
    assert_eq!(refused.body["error"]["details"]["factors"], json!(["totp", "recovery_code"]));
    app.clock.advance(Duration::seconds(30));
    let step_up = json!({"factor": "totp", "code": totp_code(&app, &secret, 0)});
    assert_eq!(app.call("POST", "/v1/step-up", Some(&sub), Some(step_up)).await.status, 201);
    let changed = app.call("PUT", "/v1/accounts/me/password", Some(&sub), Some(change)).await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(sub_sign_in(&app, &main, "finance", "Brighter-Lantern-84").await.body["second_factor_required"], true);
    let security = app.call("GET", "/v1/security", Some(&sub), None).await;
    assert_eq!(security.body["operation_protection"], true, "{:?}", security.body);
}

#[tokio::test]
async fn the_main_account_removes_a_sub_users_lost_device_and_it_binds_a_new_one() {
    // LOGIN-5 (a sub-user's lost device; MFA-5's appeal is the main account's own): a sub-user that lost its device asks its main account, which removes it
    // (under operation protection); its sessions end, and with 2FA required it binds a new
    // device at its next sign-in. A sub-user without a device has none to remove.
    let app = spawn_app().await;
    let (_, phone, token) = app.signed_in_user().await;
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    let main =
        app.call("GET", "/v1/accounts/me", Some(&token), None).await.body["account_id"].as_str().unwrap().to_owned();
    let id = create(&app, &token, "finance").await.body["sub_user_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/sub-users/{id}/mfa-device");
    let none = app.call("DELETE", &path, Some(&token), None).await;
    assert_eq!((none.status, none.code()), (409, "TOTP_NOT_BOUND"), "{:?}", none.body);
    let set = app.call("PUT", "/v1/sub-users/settings", Some(&token), Some(json!({"require_mfa": true}))).await;
    assert_eq!(set.status, 200);
    let (sub, _) = bind_at_sign_in(&app, &main, "finance").await;
    let listed = app.call("GET", "/v1/sub-users", Some(&token), None).await;
    assert_eq!(listed.body["sub_users"][0]["mfa_bound"], true, "{:?}", listed.body);

    // Past the step-up's time the main account is asked for a fresh one.
    app.clock.advance(Duration::minutes(20));
    let unprotected = app.call("DELETE", &path, Some(&token), None).await;
    assert_eq!((unprotected.status, unprotected.code()), (403, "STEP_UP_REQUIRED"), "{:?}", unprotected.body);
    assert_eq!(app.step_up_by_sms(&token, &phone).await.status, 201);
    // Whoever holds the lost device and the password has a sign-in waiting for its code.
    let waiting = sub_sign_in(&app, &main, "finance", SUB_PASSWORD).await;
    assert_eq!(waiting.body["second_factor_required"], true, "{:?}", waiting.body);
    let foreign = app.call("DELETE", "/v1/sub-users/0123456789abcdef/mfa-device", Some(&token), None).await;
    assert_eq!(foreign.status, 404, "{:?}", foreign.body);
    let removed = app.call("DELETE", &path, Some(&token), None).await;
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    assert_eq!(app.call("GET", "/v1/sessions", Some(&sub), None).await.status, 401, "its sessions ended");
    // That waiting sign-in ended with them: it cannot bind a device of its own now.
    let stale = json!({"sign_in_id": waiting.body["sign_in_id"]});
    let refused = app.call("POST", "/v1/sessions/second-factor/totp-binding", None, Some(stale)).await;
    assert_eq!(refused.code(), "SIGN_IN_FLOW_INVALID", "{:?}", refused.body);
    let listed = app.call("GET", "/v1/sub-users", Some(&token), None).await;
    assert_eq!(listed.body["sub_users"][0]["mfa_bound"], false, "{:?}", listed.body);
    app.clock.advance(Duration::seconds(30));
    let (again, _) = bind_at_sign_in(&app, &main, "finance").await;
    assert_eq!(app.call("GET", "/v1/sessions", Some(&again), None).await.status, 200, "a new device, a new session");
}
