//! Test support: a `spawn_app` that gives each test its own gateway (routes from template.yaml,
//! handlers from the registry), its own test clock and its own caller address, over the shared
//! emulator that the test command started. Tests use fresh usernames and phones, so they never
//! see each other's data.

use bytes::Bytes;
use functions::AppState;
use local_env::settings::{
    local_config, random_data_key, repo_root, EXPIRY_QUEUE, OUTBOX_QUEUE, RECOVERY_QUEUE, REVIEW_QUEUE,
};
use local_env::{provision, Gateway, Template};
use rand::{distributions::Alphanumeric, Rng};
use serde_json::{json, Value};
use shared::adapters::clock::TestClock;
use shared::config::StaffPool;
use shared::domain::code::Purpose;
use shared::domain::phone::Phone;
use shared::ports::{SendCounter, SendLimits};
use shared::usecases::codes::{phone_target, prepare_code};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

pub mod browser;
pub mod contract;
pub mod passkey;
pub mod png;

/// An answer the API description does not describe fails the test that saw it [issue 26].
fn contract_violated(violation: &str) {
    if let Some(log) = std::env::var_os("CONTRACT_SURVEY") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("survey file");
        let _ = writeln!(file, "{violation}");
        return;
    }
    panic!("the answer is not what infra/openapi.json describes: {violation}");
}

pub fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| Template::load(&repo_root().join("template.yaml")).expect("template.yaml loads"))
}

async fn ensure_provisioned() {
    static DONE: OnceCell<()> = OnceCell::const_new();
    DONE.get_or_init(|| async {
        assert!(
            std::env::var("AWS_ENDPOINT_URL").is_ok(),
            "AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts the emulator"
        );
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        provision::provision(&sdk, template()).await.expect("emulator provisioned from template.yaml");
    })
    .await;
}

/// A fresh mainland mobile number.
pub fn unique_phone() -> String {
    loop {
        let n: u64 = rand::thread_rng().gen_range(0..100_000_000);
        let phone = format!("+86139{n:08}");
        // Never one of the sandbox SMS provider's special numbers (unless a test asks for one).
        if !phone.ends_with(shared::adapters::sms::TIMES_OUT_AFTER_SENDING) {
            return phone;
        }
    }
}

/// A fresh valid username.
pub fn unique_username() -> String {
    let tail: String = rand::thread_rng().sample_iter(&Alphanumeric).take(12).map(char::from).collect();
    format!("u{tail}")
}

pub const PASSWORD: &str = "Velvet-Harbor-42";

pub fn agreements() -> Value {
    json!([
        {"id": "user-service-agreement", "version": "2024-06"},
        {"id": "online-ordering-agreement", "version": "2024-06"},
        {"id": "privacy-policy", "version": "2025-01"},
    ])
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The stable error code, if this is an error.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// `503 TRY_AGAIN`: the store stayed busy and nothing was changed.
    pub fn is_try_again(&self) -> bool {
        self.status == 503 && self.code() == "TRY_AGAIN"
    }
}

/// DynamoDB requests made by a piece of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requests {
    pub total: u64,
    pub by_operation: std::collections::BTreeMap<String, u64>,
}

impl Requests {
    /// Whether any request wrote (a write, a transaction, a batch write).
    pub fn wrote(&self) -> bool {
        self.by_operation.keys().any(|op| {
            ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"].contains(&op.as_str())
        })
    }
}

/// How often a test client sends a request answered `503 TRY_AGAIN` (nothing was changed) before
/// it takes that answer, as a client honouring `Retry-After` would.
const CLIENT_TRIES: usize = 5;

/// The `503 TRY_AGAIN` answers the test clients were given (and sent again) in this process:
/// only the faulty emulator (`EMULATOR_FAULTS`) should ever cause one.
pub static TRY_AGAIN_ANSWERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub struct TestApp {
    pub gateway: Arc<Gateway>,
    pub clock: Arc<TestClock>,
    pub source_ip: String,
    /// This app's review queue (its name in the emulator).
    pub review_queue: String,
    /// Where this app is also served over HTTP (the sandbox identity providers live there).
    pub base_url: String,
}

/// The local gateway over a fresh state (with the data key); the gateway runs each function with
/// the state its row in `functions::registry` asks for (without the data key unless
/// `data_key: true`), so a function that needs the key but is not given it fails its tests.
pub async fn spawn_app() -> TestApp {
    spawn(false, false).await
}

/// A test app whose staff sign in with the sandbox OpenID Connect issuer it serves
/// (`<base_url>/sandbox/oidc`, client `test-dashboard`) instead of the staff pool: a deployment
/// where Cognito is absent.
pub async fn spawn_app_with_staff_issuer() -> TestApp {
    spawn(false, true).await
}

/// A test app with tables of its own: for tests that sweep every due flow of the tables (the
/// sweeper would otherwise take other tests' flows under this test's clock).
pub async fn spawn_isolated_app() -> TestApp {
    spawn(true, false).await
}

/// The emulator's staff user pool (one for all tests; each test makes its own staff users).
pub async fn staff_pool() -> StaffPool {
    static POOL: OnceCell<StaffPool> = OnceCell::const_new();
    POOL.get_or_init(|| async {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
        local_env::staff::staff_pool(&endpoint).await.expect("the staff user pool")
    })
    .await
    .clone()
}

async fn spawn(isolated: bool, staff_issuer: bool) -> TestApp {
    if std::env::var_os("EMULATOR_FAULTS").is_some() {
        capture_logs(); // a 5xx under the faulty emulator prints its logged cause
    }
    ensure_provisioned().await;
    // Noon UTC today: far from a day boundary, so daily limits are deterministic.
    let noon = chrono::Utc::now().date_naive().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let clock = Arc::new(TestClock::starting_at(noon));
    let suffix: u32 = rand::thread_rng().gen();
    // Each test app has its own queues: its messages reach its own sandbox providers and workers,
    // and its reviewers claim only its cases.
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue = |logical: &str| format!("{logical}-{suffix:08x}");
    for logical in [OUTBOX_QUEUE, REVIEW_QUEUE, EXPIRY_QUEUE, RECOVERY_QUEUE] {
        sqs.create_queue().queue_name(queue(logical)).send().await.expect("test queue");
    }
    let mut config = local_config(random_data_key(), None, staff_pool().await);
    // Its own secrets (pepper, token keys): a token of another app is foreign here [issue 14].
    config.secrets =
        provision::provision_secrets_named(&sdk, &format!("{suffix:08x}-")).await.expect("the test app's secrets");
    config.token_public_keys =
        local_env::secret_admin::token_public_keys(&aws_sdk_secretsmanager::Client::new(&sdk), &config.secrets)
            .await
            .expect("the test app's token public key");
    // The sandbox identity providers are spoken to over HTTP [LOGIN-2]: this app serves them (with
    // everything else, as `local-env serve` does) on a loopback port of its own.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("a free loopback port");
    let base_url = format!("http://127.0.0.1:{}", listener.local_addr().expect("bound").port());
    config.oauth = local_env::settings::sandbox_oauth(listener.local_addr().expect("bound").port());
    let issuer =
        staff_issuer.then(|| Arc::new(local_env::staff_issuer::SandboxIssuer::new(&base_url, "test-dashboard")));
    if let Some(issuer) = &issuer {
        local_env::settings::use_staff_issuer(&mut config, issuer);
    }
    config.outbox_queue = queue(OUTBOX_QUEUE);
    config.review_queue = queue(REVIEW_QUEUE);
    config.expiry_queue = queue(EXPIRY_QUEUE);
    config.recovery_queue = queue(RECOVERY_QUEUE);
    if isolated {
        let tables = format!("{suffix:08x}");
        provision::provision_tables(&sdk, template(), &tables).await.expect("test tables");
        config.tables.accounts = format!("{}-{tables}", config.tables.accounts);
        config.tables.sessions = format!("{}-{tables}", config.tables.sessions);
        config.tables.flows = format!("{}-{tables}", config.tables.flows);
    }
    let state = AppState::new(&config, clock.clone()).await.expect("services build");
    let gateway = Gateway::new(template(), Arc::new(state))
        .expect("every template binary has a handler")
        .with_queue(OUTBOX_QUEUE, &queue(OUTBOX_QUEUE))
        .with_queue(EXPIRY_QUEUE, &queue(EXPIRY_QUEUE))
        .with_queue(RECOVERY_QUEUE, &queue(RECOVERY_QUEUE))
        .draining_after_requests();
    let gateway = Arc::new(match issuer {
        Some(issuer) => gateway.with_staff_issuer(issuer),
        None => gateway.with_staff_pool(config.staff.clone()),
    });
    tokio::spawn(local_env::server::serve(listener, gateway.clone(), std::future::pending()));
    TestApp {
        base_url,
        gateway,
        clock,
        source_ip: format!("2001:db8::{:x}:{:x}", suffix >> 16, suffix & 0xffff),
        review_queue: queue(REVIEW_QUEUE),
    }
}

impl TestApp {
    pub fn state(&self) -> &AppState {
        self.gateway.state()
    }

    /// Serves this app's gateway (and the sandbox routes, as `local-env serve` does) over HTTP on
    /// a free loopback port until the test ends, for a real browser: its base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("a free loopback port");
        let port = listener.local_addr().expect("bound").port();
        tokio::spawn(local_env::server::serve(listener, self.gateway.clone(), std::future::pending()));
        format!("http://127.0.0.1:{port}")
    }

    /// The app's clock now.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.state().services.clock.now()
    }

    pub fn dynamo_requests(&self) -> u64 {
        self.state().services.dynamo_requests.get()
    }

    /// The DynamoDB requests `work` makes: how many, and by operation.
    pub async fn requests_of<T>(&self, work: impl std::future::Future<Output = T>) -> (T, Requests) {
        let counter = &self.state().services.dynamo_requests;
        let (total, by_operation) = (counter.get(), counter.by_operation());
        let out = work.await;
        let mut ops = counter.by_operation();
        for (op, n) in &mut ops {
            *n -= by_operation.get(op).copied().unwrap_or(0);
        }
        ops.retain(|_, n| *n > 0);
        (out, Requests { total: counter.get() - total, by_operation: ops })
    }

    /// Sends raw bytes through the gateway.
    pub async fn call_raw(&self, method: &str, path: &str, token: Option<&str>, body: Bytes) -> Reply {
        self.call_from(&self.source_ip, method, path, token, body).await
    }

    pub async fn call_from(
        &self,
        source_ip: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Bytes,
    ) -> Reply {
        self.send(source_ip, method, path, token, body, &[]).await
    }

    /// Like `call`, with extra request headers (`Origin`, ...).
    pub async fn call_with_headers(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        self.send(&self.source_ip, method, path, token, bytes, headers).await
    }

    async fn send(
        &self,
        source_ip: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Bytes,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut tries = 1;
        let reply = loop {
            let request = Self::request(method, path, token, body.clone(), headers);
            // On the heap: a test's own future (its stack) stays small.
            let reply = Self::reply(Box::pin(self.gateway.dispatch(request, source_ip)).await);
            if !reply.is_try_again() || tries == CLIENT_TRIES {
                break reply;
            }
            tries += 1;
            TRY_AGAIN_ANSWERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // As a client does: send it again after a pause (jittered; shorter than `Retry-After`).
            let pause = rand::Rng::gen_range(&mut rand::thread_rng(), 100..600);
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        };
        if reply.status >= 500 && std::env::var_os("EMULATOR_FAULTS").is_some() {
            // Under the faulty emulator every log is captured: show what the fault was.
            let id = reply.body["error"]["request_id"].as_str().unwrap_or("-");
            for line in captured_logs().lines().filter(|l| l.contains(id) && l.contains("ERROR")) {
                eprintln!("{method} {path} answered {}: {line}", reply.status);
            }
        }
        if let Some(violation) = contract::violation(method, path, reply.status, &reply.body) {
            contract_violated(&violation);
        }
        reply
    }

    /// Like `call_from` without a token, timing the answer alone (what the caller waits for:
    /// the queue workers run after it, untimed).
    pub async fn timed_call_from(&self, source_ip: &str, method: &str, path: &str, body: Value) -> (Reply, Duration) {
        self.timed(source_ip, method, path, None, Some(body)).await
    }

    /// Like `call`, timing the answer alone (the queue workers run after it, untimed).
    pub async fn timed_call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (Reply, Duration) {
        self.timed(&self.source_ip, method, path, token, body).await
    }

    async fn timed(
        &self,
        source_ip: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (Reply, Duration) {
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let request = Self::request(method, path, token, bytes, &[]);
        let started = Instant::now();
        let response = self.gateway.answer(request, source_ip).await;
        let took = started.elapsed();
        self.gateway.drain_all().await.expect("queue workers run");
        (Self::reply(response), took)
    }

    /// A signed-in caller's answer alone, the queue workers not run: what holds before they do.
    pub async fn answer_authorized(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Reply {
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let request = Self::request(method, path, Some(token), bytes, &[]);
        Self::reply(self.gateway.answer(request, &self.source_ip).await)
    }

    /// The answer alone, the queue workers not run (for load: a step that queues nothing).
    pub async fn answer_from(&self, source_ip: &str, method: &str, path: &str, body: Value) -> Reply {
        let request = Self::request(method, path, None, Bytes::from(body.to_string()), &[]);
        Self::reply(self.gateway.answer(request, source_ip).await)
    }

    fn request(
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Bytes,
        headers: &[(&str, &str)],
    ) -> http::Request<Bytes> {
        let mut request = http::Request::builder().method(method).uri(path).header("user-agent", "api-tests/1.0");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(body).expect("request builds")
    }

    fn reply(response: http::Response<Bytes>) -> Reply {
        let (parts, bytes) = response.into_parts();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply { status: parts.status.as_u16(), headers: parts.headers, body }
    }

    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        self.call_raw(method, path, token, bytes).await
    }

    pub async fn send_code(&self, phone: &str) -> Reply {
        self.call("POST", "/v1/sms-codes", None, Some(json!({"phone": phone, "purpose": "register"}))).await
    }

    /// The newest code the sandbox sent to `phone`.
    pub fn outbox_code(&self, phone: &str) -> String {
        let sms = self.state().services.sandbox_sms().expect("sandbox SMS configured");
        sms.latest_code(phone).expect("a code was sent to this phone")
    }

    /// Stores a register code for `phone` through the code store without the send limits (for
    /// tests that need more codes for one phone than a day allows). Returns (challenge id, code).
    pub async fn seed_code(&self, phone: &str) -> (String, String) {
        self.seed_code_for(phone, Purpose::Register).await
    }

    /// Like `seed_code`, for any purpose of a phone code.
    pub async fn seed_code_for(&self, phone: &str, purpose: Purpose) -> (String, String) {
        let services = &self.state().services;
        let now = services.clock.now();
        let (new, code) = prepare_code(services, &phone_target(services, &Phone::parse(phone).unwrap()), purpose, now);
        let limits = SendLimits {
            target: SendCounter::Target { purpose, hash: format!("seed:{}", new.challenge_id), asker: None },
            source: SendCounter::Source(format!("seed:{}", new.challenge_id)),
            day: "seed".into(),
            spacing: chrono::Duration::zero(),
            target_daily_cap: 1,
            source_daily_cap: 1,
            phone: None,
        };
        shared::usecases::deps::HasCodes::codes(services).issue(&new, &limits, now).await.expect("seeded");
        (new.challenge_id.to_string(), code.expose().to_owned())
    }

    pub async fn register_with(
        &self,
        username: &str,
        password: &str,
        phone: &str,
        challenge_id: &str,
        code: &str,
    ) -> Reply {
        let body = json!({
            "username": username, "password": password, "phone": phone,
            "challenge_id": challenge_id, "sms_code": code, "agreements": agreements(),
        });
        self.call("POST", "/v1/accounts", None, Some(body)).await
    }

    /// The whole registration as a user does it: code by SMS, read it, register.
    pub async fn register(&self, username: &str, phone: &str) -> Reply {
        let sent = self.send_code(phone).await;
        assert_eq!(sent.status, 202, "{:?}", sent.body);
        let code = self.outbox_code(phone);
        self.register_with(username, PASSWORD, phone, sent.body["challenge_id"].as_str().unwrap(), &code).await
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Reply {
        self.call("POST", "/v1/sessions", None, Some(json!({"username": username, "password": password}))).await
    }

    /// Registers a fresh account and signs in: (username, phone, token).
    pub async fn signed_in_user(&self) -> (String, String, String) {
        let (username, phone) = (unique_username(), unique_phone());
        let registered = self.register(&username, &phone).await;
        assert_eq!(registered.status, 201, "{:?}", registered.body);
        let signed_in = self.sign_in(&username, PASSWORD).await;
        assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
        (username, phone, signed_in.body["access_token"].as_str().unwrap().to_owned())
    }

    /// SMS sign-in of a passport account (registering the phone when `agreements` are given).
    pub async fn sms_sign_in(&self, phone: &str, agreements: Option<Value>) -> Reply {
        let (challenge, code) = self.seed_code_for(phone, Purpose::PassportSignIn).await;
        let mut body = json!({"phone": phone, "challenge_id": challenge, "sms_code": code});
        if let Some(a) = agreements {
            body["agreements"] = a;
        }
        self.call("POST", "/v1/sessions/sms", None, Some(body)).await
    }

    /// A new passport account (registered by SMS sign-in), signed in: (account id, phone, token).
    /// QR sign-in is for passport accounts: their mobile app confirms a desktop's ticket.
    pub async fn passport_user(&self) -> (String, String, String) {
        let phone = unique_phone();
        let signed_in = self.sms_sign_in(&phone, Some(agreements())).await;
        assert_eq!(signed_in.status, 201, "{:?}", signed_in.body);
        let account_id = signed_in.body["account_id"].as_str().unwrap().to_owned();
        (account_id, phone, signed_in.body["access_token"].as_str().unwrap().to_owned())
    }

    /// A phone change of `account_id` (bound to `old_phone`) waiting for the new phone's code, as
    /// the old phone's step leaves it, stored through the flow store without the send limits
    /// (for tests that bind one phone to more accounts than its daily codes allow). Returns
    /// (change id, the new phone's code).
    pub async fn seed_phone_change(&self, account_id: &str, old_phone: &str, new_phone: &str) -> (String, String) {
        use shared::domain::phone_change::{PhoneChange, PhoneChangeState, PHONE_CHANGE_TTL};
        use shared::usecases::deps::HasFlows;
        let services = &self.state().services;
        let (challenge, code) = self.seed_code_for(new_phone, Purpose::PhoneChangeNew).await;
        let change = PhoneChange {
            account_id: shared::domain::ids::AccountId::from_raw(account_id),
            old_hash: phone_target(services, &Phone::parse(old_phone).unwrap()),
            old_challenge: shared::domain::ids::ChallengeId::generate(),
            expires_at: services.clock.now() + PHONE_CHANGE_TTL,
            state: PhoneChangeState::AwaitingNewCode {
                new_phone: shared::usecases::codes::seal_phone(services, &Phone::parse(new_phone).unwrap()).unwrap(),
                new_challenge: shared::domain::ids::ChallengeId::from_raw(challenge),
            },
        };
        let change_id = shared::domain::ids::FlowId::generate();
        services.flows::<PhoneChange>().create(&change_id, &change).await.expect("phone change stored");
        (change_id.to_string(), code)
    }

    /// Every stored version and delete marker in the uploads bucket under `prefix` (their keys),
    /// for tests that prove files are gone for good.
    pub async fn stored_versions(&self, prefix: &str) -> Vec<String> {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
        let bucket = local_env::settings::bucket_name(local_env::settings::UPLOADS_BUCKET);
        let out = s3.list_object_versions().bucket(bucket).prefix(prefix).send().await.expect("versions listed");
        let versions = out.versions().iter().filter_map(|v| v.key());
        versions.chain(out.delete_markers().iter().filter_map(|m| m.key())).map(str::to_owned).collect()
    }

    /// A plain DynamoDB client on the emulator, for tests that read what was stored.
    pub async fn dynamo(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    }
}

/// Everything the code logs while the tests run (all levels), for tests that prove nothing
/// personal or secret is logged. Installed once for the whole test binary.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

fn log_buffer() -> &'static std::sync::Mutex<Vec<u8>> {
    static BUFFER: OnceLock<std::sync::Mutex<Vec<u8>>> = OnceLock::new();
    BUFFER.get_or_init(Default::default)
}

struct BufferWriter;

impl std::io::Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        log_buffer().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Routes all logs (down to TRACE, the SDK's included) into the capture buffer.
pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| BufferWriter)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    });
}

/// The current TOTP code of a base32 secret at the app's clock, `offset_steps` from now.
pub fn totp_code(app: &TestApp, secret_base32: &str, offset_steps: i64) -> String {
    use shared::domain::totp::{step_of, TotpSecret};
    let bytes = totp_rs::Secret::Encoded(secret_base32.to_owned()).to_bytes().expect("base32 secret");
    TotpSecret::from_bytes(bytes).code_at_step(step_of(app.state().services.clock.now()) + offset_steps)
}

impl TestApp {
    /// A step-up by SMS on the session of `token` (the clock first moves past the send spacing).
    pub async fn step_up_by_sms(&self, token: &str, phone: &str) -> Reply {
        self.clock.advance(chrono::Duration::seconds(61));
        let sent = self.call("POST", "/v1/step-up/sms-codes", Some(token), None).await;
        assert_eq!(sent.status, 202, "{:?}", sent.body);
        let body = json!({"factor": "sms", "challenge_id": sent.body["challenge_id"], "code": self.outbox_code(phone)});
        self.call("POST", "/v1/step-up", Some(token), Some(body)).await
    }

    /// Binds a virtual MFA device (step-up by SMS first): (base32 secret, recovery codes).
    pub async fn bind_totp(&self, token: &str, phone: &str) -> (String, Vec<String>) {
        assert_eq!(self.step_up_by_sms(token, phone).await.status, 201);
        let started = self.call("POST", "/v1/mfa/totp", Some(token), None).await;
        assert_eq!(started.status, 201, "{:?}", started.body);
        let secret = started.body["secret"].as_str().unwrap().to_owned();
        let body = json!({
            "binding_id": started.body["binding_id"],
            "first_code": totp_code(self, &secret, -1),
            "second_code": totp_code(self, &secret, 0),
        });
        let confirmed = self.call("POST", "/v1/mfa/totp/confirm", Some(token), Some(body)).await;
        assert_eq!(confirmed.status, 201, "{:?}", confirmed.body);
        let codes = confirmed.body["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        // The binding used the current step: the next code to use is a later one.
        self.clock.advance(chrono::Duration::seconds(30));
        (secret, codes)
    }
}

/// A fresh valid mainland ID number of someone born on `birth` (`YYYYMMDD`).
pub fn id_number_born(birth: &str) -> String {
    let mut rng = rand::thread_rng();
    let first17 = format!("3101{:02}{birth}{:03}", rng.gen_range(1..99), rng.gen_range(0..1000));
    format!("{first17}{}", shared::domain::identity::gb11643_check(&first17).unwrap())
}

/// A fresh valid mainland ID number of an adult.
pub fn unique_id_number() -> String {
    let mut rng = rand::thread_rng();
    id_number_born(&format!("{}{:02}{:02}", rng.gen_range(1960..2000), rng.gen_range(1..13), rng.gen_range(1..29)))
}

/// A fresh valid UnionPay card number starting with `prefix` (6 digits).
pub fn card_number(prefix: &str) -> String {
    let body: String = (0..12).map(|_| char::from(b'0' + rand::thread_rng().gen_range(0..10u8))).collect();
    shared::domain::bank_card::with_luhn(&format!("{prefix}{body}"))
}

pub fn personal_agreement() -> Value {
    json!({"id": "real-name-verification-agreement", "version": "2024-06"})
}

impl TestApp {
    /// Opens a face session for the signed-in caller.
    pub async fn start_face(&self, token: &str, name: &str, id_number: &str) -> Reply {
        let body = json!({"document_type": "mainland_id_card", "name": name, "id_number": id_number, "agreement": personal_agreement()});
        self.call("POST", "/v1/verifications/personal/face", Some(token), Some(body)).await
    }

    /// The sandbox mobile app scans the QR payload; the provider's signed callback follows.
    pub async fn scan_face(&self, qr_payload: &str, outcome: &str) -> Reply {
        let body = json!({"qr_payload": qr_payload, "outcome": outcome}).to_string();
        let request =
            http::Request::builder().method("POST").uri("/sandbox/face-app/scan").body(Bytes::from(body)).unwrap();
        let response = local_env::sandbox::handle(&self.gateway, request, &self.source_ip).await;
        let (parts, bytes) = response.into_parts();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        Reply { status: parts.status.as_u16(), headers: parts.headers, body }
    }

    /// Verifies the caller by face with a fresh adult identity; returns the ID number.
    pub async fn verify_by_face(&self, token: &str) -> String {
        let id = unique_id_number();
        let started = self.start_face(token, "张三", &id).await;
        assert_eq!(started.status, 201, "{:?}", started.body);
        let scanned = self.scan_face(started.body["qr_payload"].as_str().unwrap(), "pass").await;
        assert_eq!(scanned.status, 204, "{:?}", scanned.body);
        id
    }

    /// A bank-card verification with a code seeded for the reserved phone.
    pub async fn bank_card(&self, token: &str, name: &str, id_number: &str, card: &str) -> Reply {
        let body = self.bank_card_body(name, id_number, card).await;
        self.call("POST", "/v1/verifications/personal/bank-card", Some(token), Some(body)).await
    }

    /// The body of a bank-card verification, its reserved phone's code seeded.
    pub async fn bank_card_body(&self, name: &str, id_number: &str, card: &str) -> Value {
        let phone = unique_phone();
        let (challenge, code) = self.seed_code_for(&phone, Purpose::BankCard).await;
        json!({
            "name": name, "id_number": id_number, "card_number": card, "phone": phone,
            "challenge_id": challenge, "sms_code": code, "agreement": personal_agreement(),
        })
    }
}

// ---- uploads, cases and review ------------------------------------------------------------------

/// A small JPEG's bytes (its first bytes are what the server checks), `len` bytes long.
/// Sends `bytes` to a presigned upload as the browser would (`started`: the answer that named
/// it); its upload id.
pub async fn put_presigned(started: &Value, bytes: Vec<u8>) -> String {
    let mut request = reqwest::Client::new().put(started["url"].as_str().unwrap());
    for (name, value) in started["headers"].as_object().unwrap() {
        if name != "content-length" {
            request = request.header(name, value.as_str().unwrap());
        }
    }
    let put = request.body(bytes).send().await.expect("the emulator's S3 answers");
    assert!(put.status().is_success(), "presigned PUT: {}", put.status());
    started["upload_id"].as_str().unwrap().to_owned()
}

pub fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00];
    bytes.resize(len.max(bytes.len()), 0x42);
    bytes
}

/// A PDF's bytes (named and declared as a JPEG by the tests that try to pass it off as one).
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec()
}

/// The material a person's appeal needs.
pub const APPEAL_MATERIAL: [&str; 4] = ["id-card-front", "id-card-back", "application-letter", "payment-proof"];

/// A staff user signed in through the API (password, then the virtual MFA code).
pub struct StaffUser {
    pub username: String,
    pub token: String,
}

impl TestApp {
    /// Asks for a presigned upload and sends `bytes` to it as the browser would; the upload id.
    pub async fn upload(&self, token: &str, purpose: &str, bytes: Vec<u8>) -> String {
        let declared = bytes.len().clamp(1, 4 * 1024 * 1024);
        let started = self
            .call(
                "POST",
                "/v1/uploads",
                Some(token),
                Some(json!({ "purpose": purpose, "content_type": "image/jpeg", "size": declared })),
            )
            .await;
        assert_eq!(started.status, 201, "{:?}", started.body);
        put_presigned(&started.body, bytes).await
    }

    /// A captcha, solved by the sandbox: (its id, the answer).
    pub async fn solved_captcha(&self) -> (String, String) {
        let c = self.call("POST", "/v1/captchas", None, None).await;
        let id = c.body["captcha_id"].as_str().unwrap().to_owned();
        let answer = shared::usecases::captcha::sandbox_captcha_answer(&self.state().services, &id).await;
        (id, answer.unwrap().unwrap())
    }

    /// Uploads a JPEG for each purpose: `{purpose: upload id}`.
    pub async fn material(&self, token: &str, purposes: &[&str]) -> Value {
        let mut material = serde_json::Map::new();
        for purpose in purposes {
            material.insert((*purpose).to_owned(), json!(self.upload(token, purpose, jpeg(2048)).await));
        }
        Value::Object(material)
    }

    /// A new staff user in `groups`, signed in.
    pub async fn staff(&self, groups: &[&str]) -> StaffUser {
        let password = "Review-Desk-2026!";
        // The emulator's user pool now and then refuses one step of a user's setup when many tests
        // set users up at once: a fresh user is tried again (three times at most).
        let mut tries = 0;
        let (username, secret) = loop {
            let username = format!("staff-{}", unique_username());
            match local_env::staff::create_staff(&staff_pool().await, &username, password, groups).await {
                Ok(secret) => break (username, secret),
                Err(e) if tries < 2 => {
                    tries += 1;
                    eprintln!("setting a staff user up failed ({e}); trying a fresh one");
                }
                Err(e) => panic!("staff user: {e}"),
            }
        };
        let first = self
            .call("POST", "/v1/staff/sessions", None, Some(json!({ "username": username, "password": password })))
            .await;
        assert_eq!(first.status, 200, "{:?}", first.body);
        let code = local_env::staff::mfa_code(&secret).await.unwrap();
        let second = self
            .call(
                "POST",
                "/v1/staff/sessions/second-factor",
                None,
                Some(json!({ "username": username, "session": first.body["session"], "code": code })),
            )
            .await;
        assert_eq!(second.status, 200, "{:?}", second.body);
        StaffUser { username, token: second.body["access_token"].as_str().unwrap().to_owned() }
    }

    /// A signed-in cloud user with a virtual MFA device, and their MFA-unbind appeal submitted.
    pub async fn mfa_appeal(&self) -> (String, String, Value) {
        let (_, phone, token) = self.signed_in_user().await;
        self.bind_totp(&token, &phone).await;
        let material = self.material(&token, &APPEAL_MATERIAL).await;
        let appeal =
            self.call("POST", "/v1/appeals/mfa-unbind", Some(&token), Some(json!({ "material": material }))).await;
        assert_eq!(appeal.status, 201, "{:?}", appeal.body);
        (token, phone, appeal.body)
    }

    /// The body of a phone-rebind appeal to `new_phone`: its code sent and read, the material
    /// uploaded [ACC-4].
    pub async fn rebind_appeal_body(&self, token: &str, new_phone: &str) -> Value {
        let sent = self
            .call("POST", "/v1/sms-codes", None, Some(json!({ "phone": new_phone, "purpose": "phone-rebind" })))
            .await;
        assert_eq!(sent.status, 202, "{:?}", sent.body);
        let code = self.outbox_code(new_phone);
        let material = self.material(token, &APPEAL_MATERIAL).await;
        json!({ "new_phone": new_phone, "challenge_id": sent.body["challenge_id"], "code": code, "material": material })
    }

    /// Claims the next case as `staff`: (claim token, case).
    pub async fn claim(&self, staff: &StaffUser) -> Option<(String, Value)> {
        let claimed = self.call("POST", "/v1/review/claims", Some(&staff.token), None).await;
        match claimed.status {
            204 => None,
            200 => Some((claimed.body["claim_token"].as_str().unwrap().to_owned(), claimed.body["case"].clone())),
            other => panic!("claim answered {other}: {:?}", claimed.body),
        }
    }

    pub async fn decide(&self, staff: &StaffUser, case_id: &str, claim: &str, decision: Value) -> Reply {
        let mut body = decision;
        body["claim_token"] = json!(claim);
        self.call("POST", &format!("/v1/review/cases/{case_id}/decision"), Some(&staff.token), Some(body)).await
    }
}

// ---- enterprise verification ----------------------------------------------------------------------

/// A fresh unified social credit code of `kind` (its first two characters, e.g. `91`): a random
/// organisation code (never one of the sandbox registry's special prefixes) and its check character.
pub fn uscc(kind: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut rng = rand::thread_rng();
    let org: String = std::iter::once(char::from(b'1' + rng.gen_range(0..9u8)))
        .chain((0..8).map(|_| char::from(ALPHABET[rng.gen_range(0..31)])))
        .collect();
    uscc_with(kind, &org)
}

/// The code of `kind` with this organisation code (9 characters), check character added.
pub fn uscc_with(kind: &str, organisation_code: &str) -> String {
    let first17 = format!("{kind}350100{organisation_code}");
    let check = shared::domain::enterprise::uscc::check_character(&first17).expect("a code of the alphabet");
    format!("{first17}{check}")
}

pub fn enterprise_agreement() -> Value {
    json!({"id": "enterprise-verification-agreement", "version": "2024-06"})
}

/// A fresh corporate account number ending with `last4` (the sandbox payouts decide by them).
pub fn corporate_account(last4: &str) -> String {
    use rand::Rng;
    format!("6212{:08}{last4}", rand::thread_rng().gen_range(0..100_000_000u32))
}

impl TestApp {
    /// Calls a sandbox route of the local environment (as `make run` serves it).
    pub async fn sandbox(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = http::Request::builder().method(method).uri(path).body(Bytes::from(body)).unwrap();
        let response = local_env::sandbox::handle(&self.gateway, request, &self.source_ip).await;
        let (parts, bytes) = response.into_parts();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        Reply { status: parts.status.as_u16(), headers: parts.headers, body }
    }

    /// The body of an enterprise application of `method` for an organisation of `org_type` with
    /// code `code`: its certificate uploaded; `extra` fields added.
    pub async fn enterprise_body(&self, token: &str, method: &str, org_type: &str, code: &str, extra: Value) -> Value {
        let certificate = self.upload(token, "org-certificate", jpeg(4096)).await;
        let mut body = json!({
            "method": method,
            "organisation_type": org_type,
            "name": "云杉数据科技有限公司",
            "uscc": code,
            "legal_representative": {"name": "张三", "id_number": unique_id_number()},
            "agreement": enterprise_agreement(),
            "material": {"org-certificate": certificate},
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            body[k.as_str()] = v;
        }
        body
    }

    pub async fn start_enterprise(&self, token: &str, body: &Value) -> Reply {
        self.call("POST", "/v1/enterprise/applications", Some(token), Some(body.clone())).await
    }

    /// The same POST fifty times at once, from eight source addresses (a burst).
    pub async fn burst(&self, path: &str, token: &str, body: &Value) -> Vec<Reply> {
        let calls = (0..50).map(|i| async move {
            let ip = format!("198.51.100.{}", 10 + i % 8);
            self.call_from(&ip, "POST", path, Some(token), Bytes::from(body.to_string())).await
        });
        futures::future::join_all(calls).await
    }

    /// A corporate transfer into an account ending `last4`, its handler's face check passed: the
    /// application's id and the account number.
    pub async fn transfer_paying(&self, token: &str, last4: &str) -> (String, String) {
        let account = corporate_account(last4);
        let extra = json!({
            "bank": "ICBC", "account_number": account,
            "handler": {"name": "李四", "id_number": unique_id_number()},
        });
        let body = self.enterprise_body(token, "corporate_transfer", "enterprise", &uscc("91"), extra).await;
        let started = self.start_enterprise(token, &body).await;
        assert_eq!(started.status, 201, "{:?}", started.body);
        let scanned = self.scan_face(started.body["face"]["qr_payload"].as_str().unwrap(), "pass").await;
        assert_eq!(scanned.status, 204, "{:?}", scanned.body);
        (started.body["application_id"].as_str().unwrap().to_owned(), account)
    }

    /// A provider's callback: the body exactly as signed, with its `X-Signature`.
    pub async fn post_signed(&self, path: &str, body: &str, signature: &str) -> Reply {
        let headers = [("x-signature", signature), ("content-type", "application/json")];
        self.send(&self.source_ip, "POST", path, None, Bytes::from(body.to_owned()), &headers).await
    }

    /// Signs a payout callback as the sandbox provider does.
    pub fn payout_signature(&self, body: &str) -> String {
        self.state().services.sandbox_payouts().expect("the sandbox payouts").sign(body)
    }

    /// The amounts the sandbox bank shows as arrived into `account`.
    pub async fn statement(&self, account: &str) -> Vec<String> {
        let reply = self.sandbox("GET", &format!("/sandbox/bank/statement?account={account}"), None).await;
        reply.body["deposits"].as_array().unwrap().iter().map(|d| d["amount"].as_str().unwrap().to_owned()).collect()
    }

    pub async fn application(&self, token: &str, id: &str) -> Value {
        let reply = self.call("GET", &format!("/v1/enterprise/applications/{id}"), Some(token), None).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body
    }
}

/// Whether `needle` occurs in `text` with no letter or digit right before or after it: a value of
/// its own, not a chance part of a request id, a time or a latency (`10.37` holds `0.37`).
pub fn as_a_value(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}
