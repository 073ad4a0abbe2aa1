//! `make bench`: latency p50/p99 and DynamoDB requests per use case, through the local gateway
//! against the emulator, plus the cost of one argon2id hash; and the time of recovery's starts
//! for a matching and a non-matching account (median and p90 of interleaved requests), the
//! figure of its enumeration resistance [REC-4]. Not a test: it prints figures.

use api_tests::*;
use serde_json::{json, Value};
use shared::crypto::password;
use shared::domain::password::Password;
use std::time::{Duration, Instant};

const RUNS: usize = 60;
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

    fn print(&mut self) {
        self.latencies.sort();
        let pick = |q: f64| self.latencies[((self.latencies.len() as f64 - 1.0) * q).round() as usize];
        let (min, max) = (self.requests.iter().min().unwrap(), self.requests.iter().max().unwrap());
        let requests = if min == max { min.to_string() } else { format!("{min}-{max}") };
        println!(
            "{:<14} p50 {:>7.1} ms   p99 {:>7.1} ms   DynamoDB requests {}",
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
                "{:<15} {:<13} median {:>6.1} ms   p90 {:>6.1} ms",
                self.name,
                label,
                ms(quantile(v, 0.5)),
                ms(quantile(v, 0.9))
            );
        }
        let ratio = ms(quantile(&self.matching, 0.5)) / ms(quantile(&self.none, 0.5));
        println!("{:<15} {:<13} median ratio matching/non-matching {ratio:.2}", self.name, "");
    }
}

/// A recovery start as a stranger sends it: a solved captcha, then the start, timed (the answer
/// alone; the code leaves from the outbox worker after it).
async fn start(app: &TestApp, source: &str, path: &str, mut body: Value) -> Duration {
    let captcha = app.call("POST", "/v1/captchas", None, None).await;
    let id = captcha.body["captcha_id"].as_str().unwrap().to_owned();
    let answer = shared::usecases::recovery::sandbox_captcha_answer(&app.state().services, &id).await.unwrap().unwrap();
    body["captcha_id"] = json!(id);
    body["captcha_answer"] = json!(answer);
    let (reply, took) = app.timed_call_from(source, "POST", path, body).await;
    assert_eq!(reply.status, 202, "{:?}", reply.body);
    took
}

/// REC-4: the password-reset start and the account-lookup start (by phone) for an account that
/// exists and for one that does not, interleaved (which goes first alternates), each request from
/// its own source address so that every matching one really sends its code.
async fn recovery(app: &TestApp) {
    let runs = std::env::var("RECOVERY_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(RECOVERY_RUNS);
    let mut accounts = vec![];
    for _ in 0..10 {
        let (username, phone) = (unique_username(), unique_phone());
        let (challenge, code) = app.seed_code(&phone).await;
        assert_eq!(app.register_with(&username, PASSWORD, &phone, &challenge, &code).await.status, 201);
        accounts.push((username, phone));
    }
    let sms = app.state().services.sandbox_sms.as_ref().unwrap();
    let sent_before = sms.messages(None).len();
    let (mut reset, mut lookup) = (Pair::new("password-reset"), Pair::new("account-lookup"));
    for i in 0..runs {
        let source = format!("10.{}.{}.{}", 1 + i / 65536, (i / 256) % 256, i % 256);
        let (username, phone) = &accounts[i % accounts.len()];
        let resets = [json!({"account": username}), json!({"account": unique_username()})];
        let lookups = [json!({"by": "phone", "phone": phone}), json!({"by": "phone", "phone": unique_phone()})];
        for which in [i % 2, 1 - i % 2] {
            let took = start(app, &source, "/v1/password-resets", resets[which].clone()).await;
            if which == 0 {
                reset.matching.push(took)
            } else {
                reset.none.push(took)
            }
            let took = start(app, &source, "/v1/account-lookups", lookups[which].clone()).await;
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
}

#[tokio::main]
async fn main() {
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

    let (mut register, mut sign_in, mut read) =
        (Figures::new("register"), Figures::new("sign-in"), Figures::new("read-account"));
    for _ in 0..RUNS {
        let (username, phone) = (unique_username(), unique_phone());
        let (challenge, code) = app.seed_code(&phone).await;

        let (before, t) = (app.dynamo_requests(), Instant::now());
        let reply = app.register_with(&username, PASSWORD, &phone, &challenge, &code).await;
        register.latencies.push(t.elapsed());
        register.requests.push(app.dynamo_requests() - before);
        assert_eq!(reply.status, 201);

        let (before, t) = (app.dynamo_requests(), Instant::now());
        let reply = app.sign_in(&username, PASSWORD).await;
        sign_in.latencies.push(t.elapsed());
        sign_in.requests.push(app.dynamo_requests() - before);
        let token = reply.body["access_token"].as_str().unwrap().to_owned();

        let (before, t) = (app.dynamo_requests(), Instant::now());
        assert_eq!(app.call("GET", "/v1/accounts/me", Some(&token), None).await.status, 200);
        read.latencies.push(t.elapsed());
        read.requests.push(app.dynamo_requests() - before);
    }
    println!("{RUNS} runs each, sequential, through the local gateway to moto server on loopback:");
    register.print();
    sign_in.print();
    read.print();
    recovery(&app).await;
}
