//! `make bench`: latency p50/p99 and DynamoDB requests per use case, through the local gateway
//! against the emulator, plus the cost of one argon2id hash. Not a test: it prints figures.

use api_tests::*;
use shared::crypto::password;
use shared::domain::password::Password;
use std::time::{Duration, Instant};

const RUNS: usize = 60;

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
}
