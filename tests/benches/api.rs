//! `make bench`: latency p50/p99 and DynamoDB requests per use case, through the local gateway
//! against the emulator, plus the cost of one argon2id hash; sign-in's CPU per request against
//! one argon2id verification, and sign-ins per second under 20 concurrent clients (issue 15);
//! and the time of recovery's starts for a matching and a non-matching account (median and p90
//! of interleaved requests), the figure of its enumeration resistance [REC-4]. Not a test: it
//! prints figures.

use api_tests::*;
use serde_json::{json, Value};
use shared::crypto::password;
use shared::domain::password::Password;
use std::time::{Duration, Instant};

const RUNS: usize = 60;
/// Runs of the session revocations (each signs in 11 or 41 times first).
const REVOKE_RUNS: usize = 20;
/// Concurrent clients of the sign-in load, and sign-ins each (`SIGN_INS` changes it).
const CLIENTS: usize = 20;
const SIGN_INS_PER_CLIENT: usize = 10;
/// Interleaved requests per recovery series (`RECOVERY_RUNS` changes it).
const RECOVERY_RUNS: usize = 100;

struct Figures {
    name: &'static str,
    latencies: Vec<Duration>,
    requests: Vec<u64>,
}

impl Figures {
    fn new(name: &'static str) -> Self {
        Figures { name, latencies: vec![], requests: vec![] }
    }

    /// Times the answer of one call and counts its DynamoDB requests (its queue work included).
    async fn call(
        &mut self,
        app: &TestApp,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let before = app.dynamo_requests();
        let (reply, took) = app.timed_call(method, path, token, body).await;
        self.latencies.push(took);
        self.requests.push(app.dynamo_requests() - before);
        reply
    }

    fn print(&mut self) {
        self.latencies.sort();
        let pick = |q: f64| self.latencies[((self.latencies.len() as f64 - 1.0) * q).round() as usize];
        let (min, max) = (self.requests.iter().min().unwrap(), self.requests.iter().max().unwrap());
        let requests = if min == max { min.to_string() } else { format!("{min}-{max}") };
        println!(
            "{:<36} p50 {:>7.1} ms   p99 {:>7.1} ms   DynamoDB requests {}",
            self.name,
            ms(pick(0.5)),
            ms(pick(0.99)),
            requests
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The value at quantile `q` of sorted `values` (nearest rank).
fn quantile(values: &[Duration], q: f64) -> Duration {
    values[((values.len() as f64 - 1.0) * q).round() as usize]
}

/// One recovery start's answer times, matching and not.
struct Pair {
    name: &'static str,
    matching: Vec<Duration>,
    none: Vec<Duration>,
}

impl Pair {
    fn new(name: &'static str) -> Self {
        Pair { name, matching: vec![], none: vec![] }
    }

    fn print(&mut self) {
        self.matching.sort();
        self.none.sort();
        for (label, v) in [("matching", &self.matching), ("non-matching", &self.none)] {
            println!(
                "{:<16} {:<13} median {:>6.1} ms   p90 {:>6.1} ms",
                self.name,
                label,
                ms(quantile(v, 0.5)),
                ms(quantile(v, 0.9))
            );
        }
        let ratio = ms(quantile(&self.matching, 0.5)) / ms(quantile(&self.none, 0.5));
        println!("{:<16} {:<13} median ratio matching/non-matching {ratio:.2}", self.name, "");
    }
}

/// A recovery start as a stranger sends it: a solved captcha, then the start, timed (the answer
/// alone; the recovery and outbox workers send the code after it), and its answer.
async fn start(app: &TestApp, source: &str, path: &str, mut body: Value) -> (Duration, Value) {
    let captcha = app.call("POST", "/v1/captchas", None, None).await;
    let id = captcha.body["captcha_id"].as_str().unwrap().to_owned();
    let answer = shared::usecases::captcha::sandbox_captcha_answer(&app.state().services, &id).await.unwrap().unwrap();
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(answer);
    let (reply, took) = app.timed_call_from(source, "POST", path, body).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    (took, reply.body)
}

/// A wrong code for a reset, timed (refused alike whether or not the reset matched).
async fn wrong_code(app: &TestApp, source: &str, reset: &Value) -> Duration {
    let path = format!("/v1/password-resets/{}/complete", reset["reset_id"].as_str().unwrap());
    let body = json!({"code": "000000", "new_password": "Fresh-Pass-2026!"});
    let (reply, took) = app.timed_call_from(source, "POST", &path, body).await;
    assert_eq!(reply.status, 400, "{:?}", reply.body);
    took
}

/// REC-4: the password-reset start and the account-lookup start (by phone) for an account that
/// exists and for one that does not, interleaved (which goes first alternates), each request from
/// its own source address so that every matching one really sends its code; and a wrong code for
/// each reset.
async fn recovery(app: &TestApp) {
    let runs = std::env::var("RECOVERY_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(RECOVERY_RUNS);
    let mut accounts = vec![];
    for _ in 0..10 {
        let (username, phone) = (unique_username(), unique_phone());
        let (challenge, code) = app.seed_code(&phone).await;
        assert_eq!(app.register_with(&username, PASSWORD, &phone, &challenge, &code).await.status, 201);
        accounts.push((username, phone));
    }
    let sms = app.state().services.sandbox_sms().unwrap();
    let sent_before = sms.messages(None).len();
    let (mut reset, mut lookup) = (Pair::new("password-reset"), Pair::new("account-lookup"));
    let mut wrong = Pair::new("wrong reset code");
    for i in 0..runs {
        let source = format!("10.{}.{}.{}", 1 + i / 65536, (i / 256) % 256, i % 256);
        let (username, phone) = &accounts[i % accounts.len()];
        let resets = [json!({"account": username}), json!({"account": unique_username()})];
        let lookups = [json!({"by": "phone", "phone": phone}), json!({"by": "phone", "phone": unique_phone()})];
        for which in [i % 2, 1 - i % 2] {
            let (took, started) = start(app, &source, "/v1/password-resets", resets[which].clone()).await;
            let refused = wrong_code(app, &source, &started).await;
            if which == 0 {
                reset.matching.push(took);
                wrong.matching.push(refused);
            } else {
                reset.none.push(took);
                wrong.none.push(refused);
            }
            let (took, _) = start(app, &source, "/v1/account-lookups", lookups[which].clone()).await;
            if which == 0 {
                lookup.matching.push(took)
            } else {
                lookup.none.push(took)
            }
        }
    }
    let sent = sms.messages(None).len() - sent_before;
    println!(
        "recovery starts [REC-4]: {runs} interleaved requests per series, the answer's time (codes sent to \
         matching accounts: {sent} of {})",
        2 * runs
    );
    reset.print();
    lookup.print();
    wrong.print();
}

/// This process's CPU time so far (user and system, every thread).
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()), 0);
        usage.assume_init()
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Issue 15: the process CPU time of N concurrent sign-ins (20 clients, each its own user and
/// source address, sign-ins one after another) divided by N, against the CPU time of one
/// argon2id verification measured in the same run; and the sign-ins per second (wall clock) on
/// this machine, the emulator sharing its cores.
async fn sign_in_cpu(app: &TestApp) {
    let per_client = std::env::var("SIGN_INS").ok().and_then(|n| n.parse().ok()).unwrap_or(SIGN_INS_PER_CLIENT);
    let mut users = vec![];
    for i in 0..CLIENTS {
        let (username, phone) = (unique_username(), unique_phone());
        let (challenge, code) = app.seed_code(&phone).await;
        assert_eq!(app.register_with(&username, PASSWORD, &phone, &challenge, &code).await.status, 201);
        users.push((format!("10.200.0.{}", i + 1), json!({"username": username, "password": PASSWORD})));
    }
    let sign_in = |source: &str, body: &Value| {
        let (source, body) = (source.to_owned(), body.clone());
        async move {
            let reply = app.answer_from(&source, "POST", "/v1/sessions", body).await;
            assert_eq!(reply.status, 201, "{:?}", reply.body);
        }
    };
    // Warm: every client once (connections, caches).
    futures::future::join_all(users.iter().map(|(s, b)| sign_in(s, b))).await;

    let pw = Password::new(PASSWORD.into());
    let hash = password::hash(&pw).await.unwrap();
    // One verification alone: the mean of VERIFIES one after another, half before the sign-ins
    // and half after them (a single series moved by a tenth between runs).
    const VERIFIES: u32 = 40;
    let verify_alone = || async {
        let started = cpu_time();
        for _ in 0..VERIFIES / 2 {
            assert!(password::verify(&pw, Some(&hash)).await.unwrap());
        }
        cpu_time() - started
    };
    let verify_before = verify_alone().await;
    // The same verifications as the concurrent sign-ins below run them: CLIENTS at once, the
    // password hashing then on every core at the same time (and contending for memory).
    let started = cpu_time();
    let all = futures::future::join_all((0..CLIENTS).map(|_| password::verify(&pw, Some(&hash)))).await;
    assert!(all.into_iter().all(|ok| ok.unwrap()));
    let verify_concurrent = (cpu_time() - started) / CLIENTS as u32;

    // One DynamoDB request's CPU in this process (the SDK's request pipeline and the exchange with
    // the emulator): a credential look-up that matches nothing, one GetItem each.
    const LOOKUPS: u32 = 100;
    let store = app.state().services.store.clone();
    let nobody = shared::domain::login::LoginName::Cloud("nobody-by-this-name".into());
    let started = cpu_time();
    for _ in 0..LOOKUPS {
        assert!(shared::ports::SignInStore::credential(store.as_ref(), &nobody).await.unwrap().is_none());
    }
    let request = (cpu_time() - started) / LOOKUPS;

    let (cpu, wall) = (cpu_time(), Instant::now());
    futures::future::join_all(users.iter().map(|(source, body)| async move {
        for _ in 0..per_client {
            sign_in(source, body).await;
        }
    }))
    .await;
    let (cpu, wall) = (cpu_time() - cpu, wall.elapsed());
    let verify_after = verify_alone().await;
    let verify = (verify_before + verify_after) / VERIFIES;
    let n = (CLIENTS * per_client) as u32;
    let per_sign_in = cpu / n;
    println!(
        "sign-in CPU [issue 15]: {n} sign-ins by {CLIENTS} concurrent clients: process CPU {:.0} ms, {:.2} ms per \
         sign-in; one argon2id verify {:.2} ms CPU alone (mean of {VERIFIES}: {:.2} before the sign-ins, {:.2} after), {:.2} ms \
         with {CLIENTS} at once; \
         one DynamoDB request {:.3} ms CPU (GetItem, mean of {LOOKUPS})",
        ms(cpu),
        ms(per_sign_in),
        ms(verify),
        ms(verify_before / (VERIFIES / 2)),
        ms(verify_after / (VERIFIES / 2)),
        ms(verify_concurrent),
        ms(request)
    );
    println!(
        "sign-in CPU per request / one argon2id verify = {:.3} (against a verify among {CLIENTS} at once: {:.3})   \
         sign-ins per second: {:.1} on {} cores (this process kept {:.2} of them busy; the emulator, on the same \
         cores, serialises DynamoDB requests)",
        per_sign_in.as_secs_f64() / verify.as_secs_f64(),
        per_sign_in.as_secs_f64() / verify_concurrent.as_secs_f64(),
        f64::from(n) / wall.as_secs_f64(),
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        cpu.as_secs_f64() / wall.as_secs_f64()
    );
}

/// A signed-in cloud user: (username, phone, token).
async fn user(app: &TestApp) -> (String, String, String) {
    let (username, phone) = (unique_username(), unique_phone());
    let (challenge, code) = app.seed_code(&phone).await;
    assert_eq!(app.register_with(&username, PASSWORD, &phone, &challenge, &code).await.status, 201);
    let token = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
    (username, phone, token)
}

/// The session revocations of the table, `REVOKE_RUNS` times each.
async fn revocations(app: &TestApp) {
    let (mut many, mut expired) =
        (Figures::new("revoke others (40 live)"), Figures::new("revoke others (1 live, 10 expired)"));
    for _ in 0..REVOKE_RUNS {
        let (username, _, keep) = user(app).await;
        for _ in 0..40 {
            assert_eq!(app.sign_in(&username, PASSWORD).await.status, 201);
        }
        let reply = many.call(app, "DELETE", "/v1/sessions/others", Some(&keep), None).await;
        assert_eq!(reply.body["revoked"], 40);

        let (username, _, _) = user(app).await;
        for _ in 0..9 {
            assert_eq!(app.sign_in(&username, PASSWORD).await.status, 201);
        }
        app.clock.advance(chrono::Duration::minutes(61));
        let live = app.sign_in(&username, PASSWORD).await.body["access_token"].as_str().unwrap().to_owned();
        let reply = expired.call(app, "DELETE", "/v1/sessions/others", Some(&live), None).await;
        assert_eq!(reply.body["revoked"], 0);
    }
    println!("{REVOKE_RUNS} runs each:");
    many.print();
    expired.print();
}

#[tokio::main]
async fn main() {
    // `BENCH_ONLY=recovery`: the recovery figures alone.
    if std::env::var("BENCH_ONLY").as_deref() == Ok("recovery") {
        recovery(&spawn_app().await).await;
        return;
    }
    // First, on tables of its own: moto copies a table for every transaction, so its answers
    // slow down as the tables fill.
    sign_in_cpu(&spawn_isolated_app().await).await;
    let app = spawn_app().await;
    let pw = Password::new(PASSWORD.into());
    let started = Instant::now();
    let hash = password::hash(&pw).await.unwrap();
    let one_hash = started.elapsed();
    println!(
        "argon2id m={} KiB t={} p={}: one hash {:.1} ms ({})",
        password::MEMORY_KIB,
        password::ITERATIONS,
        password::PARALLELISM,
        ms(one_hash),
        &hash[..hash.find("$c").unwrap_or(30).min(31)]
    );

    let mut register = Figures::new("register");
    let mut sign_in = Figures::new("sign-in");
    let mut read = Figures::new("read account (authorized call)");
    let mut read_marking = Figures::new("read account, first call of a minute");
    let mut step_up_sms = Figures::new("step-up by SMS");
    let mut step_up_totp = Figures::new("step-up by TOTP (right)");
    let mut step_up_wrong = Figures::new("step-up by TOTP (wrong)");
    let mut complete = Figures::new("complete sign-in by TOTP");
    let mut bank_card = Figures::new("bank-card verification (pass)");
    let mut qr_poll = Figures::new("QR poll that claims the session");
    let second = |s: i64| chrono::Duration::seconds(s);
    for run in 0..RUNS {
        let (username, phone) = (unique_username(), unique_phone());
        let (challenge, code) = app.seed_code(&phone).await;
        let body = json!({
            "username": username, "password": PASSWORD, "phone": phone,
            "challenge_id": challenge, "sms_code": code, "agreements": agreements(),
        });
        assert_eq!(register.call(&app, "POST", "/v1/accounts", None, Some(body)).await.status, 201);
        let body = json!({"username": username, "password": PASSWORD});
        let reply = sign_in.call(&app, "POST", "/v1/sessions", None, Some(body)).await;
        let token = reply.body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(read.call(&app, "GET", "/v1/accounts/me", Some(&token), None).await.status, 200);
        app.clock.advance(second(61));
        assert_eq!(read_marking.call(&app, "GET", "/v1/accounts/me", Some(&token), None).await.status, 200);

        // Step-up by SMS (the code sent from a source of its own: sends are capped per source).
        let source = format!("10.100.{}.{}", run / 256, run % 256);
        let sent = app.call_from(&source, "POST", "/v1/step-up/sms-codes", Some(&token), Default::default()).await;
        assert_eq!(sent.status, 202, "{:?}", sent.body);
        let by_sms =
            json!({"factor": "sms", "challenge_id": sent.body["challenge_id"], "code": app.outbox_code(&phone)});
        assert_eq!(step_up_sms.call(&app, "POST", "/v1/step-up", Some(&token), Some(by_sms)).await.status, 201);

        // Bind a virtual MFA device, then step up by TOTP, right and wrong.
        let started = app.call("POST", "/v1/mfa/totp", Some(&token), None).await;
        let secret = started.body["secret"].as_str().unwrap().to_owned();
        let bind = json!({
            "binding_id": started.body["binding_id"],
            "first_code": totp_code(&app, &secret, -1),
            "second_code": totp_code(&app, &secret, 0),
        });
        assert_eq!(app.call("POST", "/v1/mfa/totp/confirm", Some(&token), Some(bind)).await.status, 201);
        app.clock.advance(second(30));
        let totp = |code: String| Some(json!({"factor": "totp", "code": code}));
        let reply =
            step_up_totp.call(&app, "POST", "/v1/step-up", Some(&token), totp(totp_code(&app, &secret, 0))).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
        let reply = step_up_wrong.call(&app, "POST", "/v1/step-up", Some(&token), totp("000000".into())).await;
        assert_eq!(reply.code(), "SECOND_FACTOR_INVALID");

        // Complete a sign-in under login protection by TOTP.
        let protect = json!({"login_protection": true, "operation_protection": true});
        assert_eq!(app.call("PUT", "/v1/security/protection", Some(&token), Some(protect)).await.status, 204);
        app.clock.advance(second(30));
        let pending = app.sign_in(&username, PASSWORD).await;
        let body =
            json!({"sign_in_id": pending.body["sign_in_id"], "factor": "totp", "code": totp_code(&app, &secret, 0)});
        let reply = complete.call(&app, "POST", "/v1/sessions/second-factor", None, Some(body)).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);

        // Verify by bank card (after an untimed call that marks this minute's activity: the timed
        // one shows the step alone).
        app.clock.advance(second(61));
        assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200);
        let body = app.bank_card_body("张三", &unique_id_number(), &card_number("622202")).await;
        let path = "/v1/verifications/personal/bank-card";
        assert_eq!(bank_card.call(&app, "POST", path, Some(&token), Some(body)).await.status, 201);

        // A QR sign-in claimed by the desktop's poll.
        let (_, _, phone_app) = app.passport_user().await;
        let ticket = app.call("POST", "/v1/qr-logins", None, None).await;
        let (id, qr_secret) = (ticket.body["ticket_id"].as_str().unwrap().to_owned(), ticket.body["secret"].clone());
        for step in ["scan", "confirm"] {
            assert_eq!(
                app.call("POST", &format!("/v1/qr-logins/{id}/{step}"), Some(&phone_app), None).await.status,
                200
            );
        }
        let poll = json!({"secret": qr_secret});
        let reply = qr_poll.call(&app, "POST", &format!("/v1/qr-logins/{id}/poll"), None, Some(poll)).await;
        assert_eq!(reply.status, 201, "{:?}", reply.body);
    }
    println!("{RUNS} runs each, sequential, through the local gateway to moto server on loopback (the answer's time;");
    println!("DynamoDB requests include the authorizer's and the queue workers' after the answer):");
    for figures in [
        &mut register,
        &mut sign_in,
        &mut read,
        &mut read_marking,
        &mut step_up_sms,
        &mut step_up_totp,
        &mut step_up_wrong,
        &mut complete,
        &mut bank_card,
        &mut qr_poll,
    ] {
        figures.print();
    }
    revocations(&app).await;
    recovery(&app).await;
}
