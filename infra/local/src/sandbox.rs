//! The sandbox providers' local faces (never deployed): the SMS and email outboxes a person reads,
//! and the "mobile app" that scans a face-check QR code.
//!
//! - `GET /sandbox/sms-outbox[?to=+8613800001234]`
//! - `GET /sandbox/email-outbox[?to=li@pku.edu.cn]`
//! - `POST /sandbox/face-app/scan` with `{"qr_payload": "...", "outcome": "pass" | "fail"}`: the
//!   sandbox provider sends its signed result callback to `POST /v1/callbacks/face`, as the real
//!   provider would after the app's face check; the callback's answer is returned.
//! - `POST /sandbox/platform/passport-accounts` with `{"phone", "username"?, "email"?, "password"?}`: a passport
//!   account created by another product of the platform (not yet activated for the cloud).
//! - `GET /sandbox/captchas/{captcha_id}`: the captcha's answer (the sandbox solver).
//! - `POST /sandbox/resources` with `{"kind": "server_ip" | "domain" | "icp_filing", "value",
//!   "account_id"}`: a resource another product owns, for forgotten-account look-ups.
//! - `POST /sandbox/platform/legacy-cloud-accounts` with `{"username", "password", "phone"}`: a
//!   cloud account registered before 2022-09-07 (must be activated on first sign-in).
//! - `POST /sandbox/staff` with `{"username", "password", "groups": ["reviewer", "lead"]}`: a staff
//!   user with a virtual MFA device; answers its secret. With the sandbox staff issuer instead of
//!   the pool, a user of the issuer (`{"username", "groups"}`).
//! - `/sandbox/oidc/...`: the sandbox OpenID Connect issuer of the staff, when the staff sign in
//!   there (see [`crate::staff_issuer`]).
//! - `GET /sandbox/staff/mfa-code[?secret=...]`: the staff virtual MFA code now, with at least 10 s
//!   of its step left (it waits for the next step otherwise; the emulator's staff devices share one
//!   secret).
//! - `POST /sandbox/platform/framework-contracts` with `{"account_id"}`: the account holds an offline
//!   framework contract, so it may not change its enterprise subject online (CHG-3).
//! - `POST /sandbox/platform/account-standing` with `{"account_id", "standing": {"unfinished_orders"?,
//!   "unfinished_services"?, "arrears_fen"?, "vouchers"?, "resources_in_use"?, "open_complaints_made"?,
//!   "open_complaints_received"?, "in_enterprise_organisation"?}}`: what billing, orders, resources,
//!   complaints and the enterprise organisation report for the account's deletion check (DEL-1).
//! - `POST /sandbox/payouts/settle`: the sandbox payout provider reports every payout whose outcome
//!   is due (by the account number's last four digits, see the README) by its signed callback to
//!   `POST /v1/callbacks/payouts`; answers each callback's answer.
//! - `GET /sandbox/bank/statement?account=<number>`: the deposits that arrived into a corporate
//!   account, with their amounts (what its owner reads at the bank).
//! - `POST /sandbox/bank/inbound-transfers` with `{"receiving_account", "amount", "payer_name",
//!   "transfer_id"?}`: the bank notifies a transfer into a receiving account (signed) at
//!   `POST /v1/callbacks/inbound-transfers`; answers the callback's answer.
//! - `GET /sandbox/oauth/{provider}/authorize`, `POST /sandbox/oauth/{provider}/token`,
//!   `GET /sandbox/oauth/{provider}/userinfo`: the sandbox identity providers (WeChat, QQ, Weibo)
//!   speaking OAuth 2.0 over HTTP (see `shared::adapters::oauth` for their behaviour).
//! - `POST /sandbox/clock/advance` with `{"hours"?, "minutes"?, "days"?}`: moves the local clock
//!   forward, then runs the schedules (deadlines pass as if the time had gone by).

use crate::gateway::Gateway;
use bytes::Bytes;
use serde_json::{json, Value};
use shared::adapters::oauth::SandboxAnswer;
use shared::domain::email::Email;
use shared::domain::password::Password;
use shared::domain::phone::Phone;
use shared::domain::third_party::ThirdParty;
use shared::domain::username::Username;
use shared::ports::InboundTransfer;
use shared::ports::ResourceKind;
use shared::usecases::captcha::sandbox_captcha_answer;
use shared::usecases::passport::{import_legacy_cloud_account, import_passport_account};

fn json_reply(status: http::StatusCode, body: Value) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    let raw = query?.split('&').find_map(|p| p.strip_prefix(&format!("{name}=")))?;
    Some(raw.replace("%2B", "+").replace("%2b", "+").replace("%40", "@").replace(' ', "+"))
}

/// A provider's signed POST to one of the callback routes.
fn signed_post(path: &str, body: String, signature: &str) -> http::Request<Bytes> {
    http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json")
        .header("x-signature", signature)
        .body(Bytes::from(body))
        .expect("callback request builds")
}

/// Pairs of a query string or a form body (`application/x-www-form-urlencoded`).
fn form_pairs(text: &str) -> std::collections::HashMap<String, String> {
    reqwest::Url::parse(&format!("http://sandbox.invalid/?{text}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// The sandbox identity provider's endpoints.
fn oauth(gateway: &Gateway, request: &http::Request<Bytes>, path: &str) -> http::Response<Bytes> {
    let services = &gateway.state().services;
    let (provider, endpoint) = path.split_once('/').unwrap_or((path, ""));
    let (Some(sandbox), Some(provider)) = (services.sandbox_oauth(), ThirdParty::parse(provider)) else {
        return json_reply(http::StatusCode::NOT_FOUND, json!({ "message": "no such sandbox identity provider" }));
    };
    let answer = match (request.method().as_str(), endpoint) {
        ("GET", "authorize") => sandbox.authorize(provider, &form_pairs(request.uri().query().unwrap_or_default())),
        ("POST", "token") => sandbox.token(provider, &form_pairs(&String::from_utf8_lossy(request.body()))),
        ("GET", "userinfo") => {
            let bearer = request
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            sandbox.userinfo(provider, bearer)
        }
        _ => return json_reply(http::StatusCode::NOT_FOUND, json!({ "message": "no such sandbox route" })),
    };
    match answer {
        SandboxAnswer::Json(status, body) => {
            json_reply(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST), body)
        }
        SandboxAnswer::Redirect(location) => {
            let mut response = http::Response::new(Bytes::new());
            *response.status_mut() = http::StatusCode::FOUND;
            if let Ok(value) = http::HeaderValue::from_str(&location) {
                response.headers_mut().insert(http::header::LOCATION, value);
            }
            response
        }
        SandboxAnswer::Form(html) => {
            let mut response = http::Response::new(Bytes::from(html));
            response
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/html; charset=utf-8"));
            response
        }
    }
}

pub async fn handle(gateway: &Gateway, request: http::Request<Bytes>, source_ip: &str) -> http::Response<Bytes> {
    let services = &gateway.state().services;
    if request.uri().path().starts_with(crate::staff_issuer::PATH) {
        return match gateway.staff_issuer() {
            Some(issuer) => issuer.handle(&request),
            None => json_reply(
                http::StatusCode::NOT_FOUND,
                json!({ "message": "the staff sign in with the staff pool here (STAFF_SIGN_IN=issuer for the sandbox issuer)" }),
            ),
        };
    }
    if let Some(path) = request.uri().path().strip_prefix("/sandbox/oauth/") {
        let path = path.to_owned();
        return oauth(gateway, &request, &path);
    }
    let query = request.uri().query();
    match (request.method().as_str(), request.uri().path()) {
        ("GET", "/sandbox/sms-outbox") => {
            let to = query_param(query, "to").or_else(|| query_param(query, "phone"));
            let messages = services.sandbox_sms().map(|s| s.messages(to.as_deref())).unwrap_or_default();
            json_reply(http::StatusCode::OK, json!({ "messages": messages }))
        }
        ("GET", "/sandbox/email-outbox") => {
            let to = query_param(query, "to");
            let messages = services.sandbox_email().map(|s| s.messages(to.as_deref())).unwrap_or_default();
            json_reply(http::StatusCode::OK, json!({ "messages": messages }))
        }
        ("POST", "/sandbox/face-app/scan") => {
            let Some(face) = services.sandbox_face() else {
                return json_reply(
                    http::StatusCode::NOT_FOUND,
                    json!({ "message": "the face provider is not the sandbox" }),
                );
            };
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let pass = body["outcome"].as_str() != Some("fail");
            let Some((callback, signature)) = body["qr_payload"].as_str().and_then(|qr| face.scan(qr, pass)) else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"qr_payload\": \"cloudapp://face-check?...\", \"outcome\": \"pass\" | \"fail\"}" }),
                );
            };
            gateway.dispatch(signed_post("/v1/callbacks/face", callback, &signature), source_ip).await
        }
        ("POST", "/sandbox/platform/passport-accounts") => {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let phone = body["phone"].as_str().and_then(|p| Phone::parse(p).ok());
            let email = body["email"].as_str().and_then(|e| Email::parse(e).ok());
            let password = body["password"].as_str().map(|p| Password::new(p.to_owned()));
            let Some(phone) = phone else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"phone\", \"email\"?, \"password\"?}" }),
                );
            };
            let username = body["username"].as_str().and_then(|u| Username::parse(u).ok());
            match import_passport_account(services, &phone, username.as_ref(), email.as_ref(), password.as_ref()).await
            {
                Ok(account_id) => {
                    json_reply(http::StatusCode::CREATED, json!({ "account_id": account_id, "activated": false }))
                }
                Err(e) => json_reply(http::StatusCode::CONFLICT, json!({ "message": e.to_string() })),
            }
        }
        ("POST", "/sandbox/platform/legacy-cloud-accounts") => {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let username = body["username"].as_str().and_then(|u| Username::parse(u).ok());
            let phone = body["phone"].as_str().and_then(|p| Phone::parse(p).ok());
            let password = body["password"].as_str().map(|p| Password::new(p.to_owned()));
            let (Some(username), Some(phone), Some(password)) = (username, phone, password) else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"username\", \"password\", \"phone\"}" }),
                );
            };
            match import_legacy_cloud_account(services, &username, &password, &phone).await {
                Ok(account_id) => {
                    json_reply(http::StatusCode::CREATED, json!({ "account_id": account_id, "activated": false }))
                }
                Err(e) => json_reply(http::StatusCode::CONFLICT, json!({ "message": e.to_string() })),
            }
        }
        ("POST", "/sandbox/resources") => {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let kind = serde_json::from_value::<ResourceKind>(body["kind"].clone()).ok();
            let (Some(kind), Some(value), Some(account), Some(directory)) =
                (kind, body["value"].as_str(), body["account_id"].as_str(), services.sandbox_resources())
            else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"kind\": \"server_ip\" | \"domain\" | \"icp_filing\", \"value\", \"account_id\"}" }),
                );
            };
            directory.register(kind, value, account);
            json_reply(http::StatusCode::CREATED, json!({ "registered": true }))
        }
        ("POST", "/sandbox/staff") => {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let groups: Vec<&str> = body["groups"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            if let (Some(issuer), Some(username)) = (gateway.staff_issuer(), body["username"].as_str()) {
                let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
                issuer.add_user(username, &groups);
                return json_reply(
                    http::StatusCode::CREATED,
                    json!({ "username": username, "groups": groups, "sign_in": format!("{}/authorize", issuer.url()) }),
                );
            }
            let (Some(pool), Some(username), Some(password)) =
                (gateway.staff_pool(), body["username"].as_str(), body["password"].as_str())
            else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"username\", \"password\", \"groups\": [\"reviewer\"]}" }),
                );
            };
            match crate::staff::create_staff(pool, username, password, &groups).await {
                Ok(secret) => json_reply(
                    http::StatusCode::CREATED,
                    json!({ "username": username, "password": password, "totp_secret": secret }),
                ),
                Err(e) => json_reply(http::StatusCode::CONFLICT, json!({ "message": e.to_string() })),
            }
        }
        ("GET", "/sandbox/staff/mfa-code") => {
            let secret = query_param(query, "secret").unwrap_or_else(|| crate::staff::EMULATOR_MFA_SECRET.to_owned());
            match crate::staff::mfa_code(&secret).await {
                Ok(code) => json_reply(http::StatusCode::OK, json!({ "code": code })),
                Err(e) => json_reply(http::StatusCode::BAD_REQUEST, json!({ "message": e.to_string() })),
            }
        }
        ("POST", "/sandbox/platform/framework-contracts") => {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let (Some(account), Some(directory)) = (body["account_id"].as_str(), services.sandbox_resources()) else {
                return json_reply(http::StatusCode::BAD_REQUEST, json!({ "message": "send {\"account_id\"}" }));
            };
            directory.add_contract(account);
            json_reply(http::StatusCode::CREATED, json!({ "framework_contract": true }))
        }
        ("POST", "/sandbox/platform/account-standing") => {
            #[derive(serde::Deserialize)]
            struct Body {
                account_id: String,
                standing: shared::domain::deletion::PlatformStanding,
            }
            let (Ok(body), Some(directory)) =
                (serde_json::from_slice::<Body>(request.body()), services.sandbox_resources())
            else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"account_id\", \"standing\": {...}}" }),
                );
            };
            directory.set_standing(&body.account_id, body.standing);
            json_reply(http::StatusCode::OK, json!({ "standing": body.standing }))
        }
        ("POST", "/sandbox/payouts/settle") => {
            let Some(payouts) = services.sandbox_payouts() else {
                return json_reply(
                    http::StatusCode::NOT_FOUND,
                    json!({ "message": "the payout provider is not the sandbox" }),
                );
            };
            let mut answers = vec![];
            for (body, signature) in payouts.settle() {
                let answer =
                    gateway.dispatch(signed_post("/v1/callbacks/payouts", body.clone(), &signature), source_ip).await;
                let reply: Value = serde_json::from_slice(answer.body()).unwrap_or_default();
                let sent: Value = serde_json::from_str(&body).unwrap_or_default();
                answers.push(json!({ "callback": sent, "status": answer.status().as_u16(), "answer": reply }));
            }
            json_reply(http::StatusCode::OK, json!({ "callbacks": answers }))
        }
        ("GET", "/sandbox/bank/statement") => {
            let account = query_param(query, "account").unwrap_or_default();
            let lines = services.sandbox_payouts().map(|p| p.statement(&account)).unwrap_or_default();
            json_reply(http::StatusCode::OK, json!({ "deposits": lines }))
        }
        ("POST", "/sandbox/bank/inbound-transfers") => {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let (Some(account), Some(amount), Some(payer)) =
                (body["receiving_account"].as_str(), body["amount"].as_str(), body["payer_name"].as_str())
            else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"receiving_account\", \"amount\": \"0.37\", \"payer_name\", \"transfer_id\"?}" }),
                );
            };
            let transfer = InboundTransfer {
                transfer_id: body["transfer_id"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(shared::domain::ids::new_opaque_id),
                receiving_account: account.to_owned(),
                amount: amount.to_owned(),
                payer_name: payer.to_owned(),
                at: services.clock.now(),
            };
            let (notification, signature) = services.bank_signer.sandbox_notification(&transfer);
            gateway.dispatch(signed_post("/v1/callbacks/inbound-transfers", notification, &signature), source_ip).await
        }
        ("POST", "/sandbox/clock/advance") => {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or_default();
            let minutes = body["minutes"].as_i64().unwrap_or(0)
                + 60 * body["hours"].as_i64().unwrap_or(0)
                + 1440 * body["days"].as_i64().unwrap_or(0);
            let Some(clock) = gateway.shifted_clock().filter(|_| minutes > 0) else {
                return json_reply(
                    http::StatusCode::BAD_REQUEST,
                    json!({ "message": "send {\"minutes\" | \"hours\" | \"days\": n} (n > 0)" }),
                );
            };
            clock.advance(chrono::Duration::minutes(minutes));
            if let Err(e) = gateway.fire_schedules().await {
                return json_reply(http::StatusCode::INTERNAL_SERVER_ERROR, json!({ "message": e.to_string() }));
            }
            json_reply(http::StatusCode::OK, json!({ "now": services.clock.now() }))
        }
        ("GET", path) if path.starts_with("/sandbox/captchas/") => {
            let id = path.trim_start_matches("/sandbox/captchas/");
            match sandbox_captcha_answer(services, id).await {
                Ok(Some(answer)) => json_reply(http::StatusCode::OK, json!({ "answer": answer })),
                _ => json_reply(http::StatusCode::NOT_FOUND, json!({ "message": "no such captcha" })),
            }
        }
        _ => json_reply(http::StatusCode::NOT_FOUND, json!({ "message": "no such sandbox route" })),
    }
}
