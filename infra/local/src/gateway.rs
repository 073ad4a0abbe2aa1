//! The local API gateway: serves every route of template.yaml by calling the handler that the
//! route's Lambda runs, with the authorizer applied as API Gateway (HTTP API, payload 2.0) does:
//! a missing `Authorization` header is refused with 401, the authorizer's context reaches the
//! handler in `requestContext.authorizer.lambda`. Requests travel as real payload 2.0 events.
//! Each function runs with the state its row of `functions::registry` asks for: the data key
//! only where the row says `data_key: true` (the two states share clock, store and providers).
//! With CORS on (`CORS_ALLOWED_ORIGINS`; template.yaml's `CorsConfiguration`), preflights are
//! answered here, as API Gateway answers them, before any route or authorizer.

use crate::jwt::StaffJwt;
use crate::template::{Route, Template};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use bytes::Bytes;
use functions::registry::{
    self, http_handler, schedule_handler, worker_handler, HttpHandler, ScheduleHandler, SqsEvent, WorkerHandler,
};
use functions::AppState;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde_json::{json, Map, Value};
use shared::adapters::calls::FUNCTION;
use std::collections::HashMap;
use std::sync::Arc;

/// API Gateway's own payload limit.
pub const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;

struct BoundRoute {
    /// The function's binary (names it in the record of AWS calls).
    binary: &'static str,
    route: Route,
    handler: HttpHandler,
    /// The state its function gets (with or without the data key).
    state: Arc<AppState>,
}

/// A queue worker and the queue that feeds it (an event-source mapping).
struct BoundWorker {
    binary: &'static str,
    queue: String,
    handler: WorkerHandler,
    state: Arc<AppState>,
}

/// A scheduled worker and its schedule (EventBridge Scheduler).
struct BoundSchedule {
    binary: &'static str,
    expression: String,
    handler: ScheduleHandler,
    state: Arc<AppState>,
}

pub struct Gateway {
    routes: Vec<BoundRoute>,
    workers: Vec<BoundWorker>,
    schedules: Vec<BoundSchedule>,
    /// The staff routes' JWT authorizer (none: staff routes answer 401).
    staff_jwt: Option<StaffJwt>,
    staff_pool: Option<shared::config::StaffPool>,
    /// The sandbox OpenID Connect issuer the staff sign in with instead of the pool.
    staff_issuer: Option<Arc<crate::staff_issuer::SandboxIssuer>>,
    /// The local clock a person moves forward (`make run`; tests move their test clock).
    shifted_clock: Option<Arc<shared::adapters::clock::ShiftedClock>>,
    /// Run the queue workers after every request (the tests: deterministic, nothing waits).
    drain_after_requests: bool,
    /// Queue names that differ from the template's logical ids (each test app has its own).
    queue_names: HashMap<String, String>,
    sqs: tokio::sync::OnceCell<aws_sdk_sqs::Client>,
    /// Messages a worker reported failed (queue URL, receipt handle): invisible until their
    /// visibility timeout passes, which the tests pass at once ([`Gateway::visibility_timeouts_pass`]).
    failed: std::sync::Mutex<Vec<(String, String)>>,
    /// Everything, the data key included: the sandbox routes and the tests use it.
    state: Arc<AppState>,
    /// What the authorizer gets.
    authorizer_state: Arc<AppState>,
}

#[derive(Debug, thiserror::Error)]
#[error("template.yaml names binary `{0}`, which the function registry does not have")]
pub struct UnknownBinary(String);

impl Gateway {
    /// `state` should hold every key; each function runs with the same state restricted to what its
    /// row needs (`data_key`, the pepper and token keys of its secret groups).
    pub fn new(template: &Template, state: Arc<AppState>) -> Result<Self, UnknownBinary> {
        // Each function runs with exactly the keys its row needs (the data key, the pepper, the
        // token keys), as its Lambda holds them: a row that misses one fails the tests.
        let state_for = |binary: &str| -> Result<Arc<AppState>, UnknownBinary> {
            let lambda = registry::lambda_named(binary).ok_or_else(|| UnknownBinary(binary.to_owned()))?;
            Ok(Arc::new(state.restricted(lambda.needs)))
        };
        let name_of = |binary: &str| -> Result<&'static str, UnknownBinary> {
            registry::lambda_named(binary).map(|l| l.binary).ok_or_else(|| UnknownBinary(binary.to_owned()))
        };
        let mut routes = vec![];
        let mut workers = vec![];
        let mut schedules = vec![];
        for function in &template.functions {
            if let Some(expression) = &function.schedule {
                let handler =
                    schedule_handler(&function.binary).ok_or_else(|| UnknownBinary(function.binary.clone()))?;
                schedules.push(BoundSchedule {
                    binary: name_of(&function.binary)?,
                    expression: expression.clone(),
                    handler,
                    state: state_for(&function.binary)?,
                });
                continue;
            }
            if let Some(queue) = &function.queue {
                let handler = worker_handler(&function.binary).ok_or_else(|| UnknownBinary(function.binary.clone()))?;
                workers.push(BoundWorker {
                    binary: name_of(&function.binary)?,
                    queue: queue.clone(),
                    handler,
                    state: state_for(&function.binary)?,
                });
                continue;
            }
            if function.routes.is_empty() {
                continue;
            }
            let handler = http_handler(&function.binary).ok_or_else(|| UnknownBinary(function.binary.clone()))?;
            let function_state = state_for(&function.binary)?;
            let binary = name_of(&function.binary)?;
            routes.extend(function.routes.iter().map(|r| BoundRoute {
                binary,
                route: r.clone(),
                handler,
                state: function_state.clone(),
            }));
        }
        let authorizer_state = state_for(registry::AUTHORIZER)?;
        Ok(Gateway {
            routes,
            workers,
            schedules,
            staff_jwt: None,
            staff_pool: None,
            staff_issuer: None,
            shifted_clock: None,
            drain_after_requests: false,
            queue_names: HashMap::new(),
            sqs: tokio::sync::OnceCell::new(),
            failed: Default::default(),
            state,
            authorizer_state,
        })
    }

    /// Checks the staff routes' tokens against this staff user pool.
    pub fn with_staff_pool(mut self, pool: shared::config::StaffPool) -> Self {
        self.staff_jwt = Some(StaffJwt::new(pool.clone()));
        self.staff_pool = Some(pool);
        self
    }

    /// Checks the staff routes' tokens against this sandbox OpenID Connect issuer (and serves it
    /// under `/sandbox/oidc/`), instead of a staff pool.
    pub fn with_staff_issuer(mut self, issuer: Arc<crate::staff_issuer::SandboxIssuer>) -> Self {
        self.staff_jwt = Some(StaffJwt::for_issuer(issuer.url(), issuer.client_id()));
        self.staff_pool = None;
        self.staff_issuer = Some(issuer);
        self
    }

    /// The sandbox OpenID Connect issuer, if the staff sign in there.
    pub fn staff_issuer(&self) -> Option<&crate::staff_issuer::SandboxIssuer> {
        self.staff_issuer.as_deref()
    }

    /// The staff user pool (the sandbox creates staff users in it).
    pub fn staff_pool(&self) -> Option<&shared::config::StaffPool> {
        self.staff_pool.as_ref()
    }

    /// Lets `POST /sandbox/clock/advance` move this clock.
    pub fn with_shifted_clock(mut self, clock: Arc<shared::adapters::clock::ShiftedClock>) -> Self {
        self.shifted_clock = Some(clock);
        self
    }

    pub fn shifted_clock(&self) -> Option<&shared::adapters::clock::ShiftedClock> {
        self.shifted_clock.as_deref()
    }

    /// The schedules' expressions (`rate(5 minutes)`).
    pub fn schedules(&self) -> Vec<String> {
        self.schedules.iter().map(|s| s.expression.clone()).collect()
    }

    /// Fires every schedule once, as EventBridge Scheduler would, then lets the queue workers
    /// take what the scheduled workers queued (when draining after requests).
    pub async fn fire_schedules(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        for schedule in &self.schedules {
            let event =
                json!({ "source": "aws.scheduler", "detail-type": "Scheduled Event", "time": chrono::Utc::now() });
            FUNCTION.scope(schedule.binary, (schedule.handler)(&schedule.state, event)).await?;
        }
        if self.drain_after_requests {
            self.drain_all().await?;
        }
        Ok(())
    }

    /// Runs the queue workers after every request, until the queues are empty.
    pub fn draining_after_requests(mut self) -> Self {
        self.drain_after_requests = true;
        self
    }

    /// Polls `name` for the template's queue `logical_id`.
    pub fn with_queue(mut self, logical_id: &str, name: &str) -> Self {
        self.queue_names.insert(logical_id.to_owned(), name.to_owned());
        self
    }

    /// The logical ids of the queues that feed workers.
    pub fn worker_queues(&self) -> Vec<String> {
        self.workers.iter().map(|w| w.queue.clone()).collect()
    }

    async fn sqs(&self) -> &aws_sdk_sqs::Client {
        self.sqs
            .get_or_init(|| async {
                // Its receives and deletions are the event source mapping's, made with the worker's
                // role: recorded as the worker's calls for the least-privilege check.
                let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                let mut config = aws_sdk_sqs::config::Builder::from(&sdk);
                if let Some(recorder) = shared::adapters::calls::CallRecorder::from_env() {
                    config = config.interceptor(recorder);
                }
                aws_sdk_sqs::Client::from_conf(config.build())
            })
            .await
    }

    /// Delivers the messages waiting on `queue` to its worker as SQS would (batches of up to ten,
    /// each message deleted once the worker did not report it failed; a failed one becomes visible
    /// again after the visibility timeout, and after its retries moves to the dead-letter queue).
    /// Returns how many messages the worker took.
    pub async fn drain(&self, queue: &str) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        let Some(worker) = self.workers.iter().find(|w| w.queue == queue) else { return Ok(0) };
        let sqs = self.sqs().await;
        let name = self.queue_names.get(queue).map_or(queue, String::as_str);
        let url = sqs.get_queue_url().queue_name(name).send().await?.queue_url.unwrap_or_default();
        let mut taken = 0;
        loop {
            let receive = sqs.receive_message().queue_url(&url).max_number_of_messages(10).send();
            let received = FUNCTION.scope(worker.binary, receive).await?;
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                return Ok(taken);
            }
            taken += messages.len();
            let mut event = SqsEvent::default();
            for m in &messages {
                let mut record = aws_lambda_events::sqs::SqsMessage::default();
                record.message_id = m.message_id.clone();
                record.receipt_handle = m.receipt_handle.clone();
                record.body = m.body.clone();
                record.event_source = Some("aws:sqs".into());
                event.records.push(record);
            }
            let response = FUNCTION.scope(worker.binary, (worker.handler)(&worker.state, event)).await;
            let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
            for m in &messages {
                if failed.contains(&m.message_id.as_deref().unwrap_or_default()) {
                    // Kept only for the tests, which pass the timeouts (`make run` lets them run out).
                    if let Some(handle) = m.receipt_handle.as_ref().filter(|_| self.drain_after_requests) {
                        self.failed
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push((url.clone(), handle.clone()));
                    }
                    continue;
                }
                if let Some(handle) = &m.receipt_handle {
                    FUNCTION
                        .scope(worker.binary, sqs.delete_message().queue_url(&url).receipt_handle(handle).send())
                        .await?;
                }
            }
        }
    }

    /// As if the visibility timeout of every message a worker reported failed passed (the tests'
    /// clock does not move SQS's): they are visible again, and the workers take them. Returns how
    /// many messages the workers took.
    pub async fn visibility_timeouts_pass(&self) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        let failed = std::mem::take(&mut *self.failed.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let sqs = self.sqs().await;
        for (url, handle) in failed {
            // A message deleted meanwhile (or moved to its dead-letter queue) is gone: fine.
            let _ = sqs
                .change_message_visibility()
                .queue_url(url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await;
        }
        self.drain_all().await
    }

    /// Drains every worker's queue until all are empty.
    pub async fn drain_all(&self) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
        let mut taken = 0;
        // Until every queue is empty: a worker may queue work for another (the recovery worker
        // puts codes on the outbox).
        loop {
            let mut pass = 0;
            for queue in self.worker_queues() {
                pass += self.drain(&queue).await?;
            }
            if pass == 0 {
                return Ok(taken);
            }
            taken += pass;
        }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// `(route key, route, path parameters)` of the route API Gateway would pick.
    fn select(&self, method: &Method, path: &str) -> Option<(String, &BoundRoute, Map<String, Value>)> {
        let mut best: Option<(usize, &BoundRoute, Map<String, Value>)> = None;
        for bound in &self.routes {
            let (Some(route_method), Some(route_path)) = (&bound.route.method, &bound.route.path) else {
                continue;
            };
            if route_method != "ANY" && route_method != method.as_str() {
                continue;
            }
            if let Some((literals, params)) = match_path(route_path, path) {
                let score = literals * 2 + usize::from(route_method != "ANY");
                if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, bound, params));
                }
            }
        }
        if let Some((_, bound, params)) = best {
            let key = format!(
                "{} {}",
                bound.route.method.as_deref().unwrap_or_default(),
                bound.route.path.as_deref().unwrap_or_default()
            );
            return Some((key, bound, params));
        }
        let default = self.routes.iter().find(|b| b.route.method.is_none() && b.route.path.is_none())?;
        Some(("$default".into(), default, Map::new()))
    }

    /// Handles one HTTP request as API Gateway and Lambda would (and, when draining after
    /// requests, then runs the queue workers).
    pub async fn dispatch(&self, request: http::Request<Bytes>, source_ip: &str) -> http::Response<Bytes> {
        let response = self.answer(request, source_ip).await;
        if self.drain_after_requests {
            if let Err(fault) = self.drain_all().await {
                tracing::error!(error = %fault, "local queue workers failed");
            }
        }
        response
    }

    /// The answer alone, what the caller waits for (the queue workers run after it: `dispatch`).
    pub async fn answer(&self, request: http::Request<Bytes>, source_ip: &str) -> http::Response<Bytes> {
        let (parts, body) = request.into_parts();
        if body.len() > MAX_PAYLOAD_BYTES {
            return gateway_answer(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
        }
        if is_preflight(&parts) && self.state.cors.is_enabled() {
            return preflight(&self.state.cors, &parts.headers);
        }
        let path = parts.uri.path().to_owned();
        let Some((route_key, bound, path_params)) = self.select(&parts.method, &path) else {
            return gateway_answer(StatusCode::NOT_FOUND, "Not Found");
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        let now = chrono::Utc::now();
        let headers = headers_json(&parts.headers);
        let user_agent =
            parts.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let mut context = json!({
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": parts.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1"),
            "domainPrefix": "local",
            "http": { "method": parts.method.as_str(), "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": user_agent },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        });
        let query = parts.uri.query().unwrap_or_default().to_owned();

        if bound.route.staff {
            let authorization = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
            let claims = match (&self.staff_jwt, authorization) {
                (Some(jwt), Some(authorization)) => jwt.claims(authorization).await,
                _ => None,
            };
            let Some(claims) = claims else {
                return gateway_answer(StatusCode::UNAUTHORIZED, "Unauthorized");
            };
            context["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
        }
        if bound.route.authorized {
            let authorization = parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.trim().is_empty());
            let Some(authorization) = authorization else {
                return gateway_answer(StatusCode::UNAUTHORIZED, "Unauthorized");
            };
            let event = json!({
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": format!("arn:aws:execute-api:local:000000000000:local/$default/{}{}", parts.method, path),
                "identitySource": [authorization],
                "routeKey": route_key,
                "rawPath": path,
                "rawQueryString": query,
                "headers": headers,
                "requestContext": context,
                "pathParameters": path_params,
            });
            let event = match serde_json::from_value(event) {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(error = %e, "authorizer event does not deserialise");
                    return gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
                }
            };
            let decided =
                FUNCTION.scope(registry::AUTHORIZER, functions::authorizer::decide(&self.authorizer_state, &event));
            match decided.await {
                Ok(decision) if decision.is_authorized => context["authorizer"] = json!({ "lambda": decision.context }),
                Ok(_) => return gateway_answer(StatusCode::FORBIDDEN, "Forbidden"),
                Err(fault) => {
                    tracing::error!(error = %fault, "authorizer fault");
                    return gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
                }
            }
        }

        let (body_text, is_base64) = match std::str::from_utf8(&body) {
            Ok(text) => (text.to_owned(), false),
            Err(_) => (B64.encode(&body), true),
        };
        let mut event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": is_base64,
        });
        if !query.is_empty() {
            event["queryStringParameters"] = query_json(&query);
        }
        if !path_params.is_empty() {
            event["pathParameters"] = Value::Object(path_params);
        }
        if !body.is_empty() {
            event["body"] = Value::String(body_text);
        }
        let lambda_request = match lambda_http::request::from_str(&event.to_string()) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "handler event does not deserialise");
                return gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
            }
        };
        let response = FUNCTION.scope(bound.binary, (bound.handler)(&bound.state, lambda_request)).await;
        let (parts, body) = response.into_parts();
        let bytes = match body {
            lambda_http::Body::Empty => Bytes::new(),
            lambda_http::Body::Text(t) => Bytes::from(t),
            lambda_http::Body::Binary(b) => Bytes::from(b),
            _ => Bytes::new(),
        };
        http::Response::from_parts(parts, bytes)
    }
}

/// A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
fn is_preflight(parts: &http::request::Parts) -> bool {
    parts.method == Method::OPTIONS
        && parts.headers.contains_key(http::header::ORIGIN)
        && parts.headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// API Gateway's answer to a preflight when the API has a CORS configuration: `204`, with the
/// configuration's headers for a listed origin and none for another (the browser then refuses).
fn preflight(cors: &functions::api::Cors, request_headers: &HeaderMap) -> http::Response<Bytes> {
    let origin = request_headers.get(http::header::ORIGIN).and_then(|v| v.to_str().ok());
    let mut response = http::Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    cors.preflight(origin, response.headers_mut());
    response
}

/// API Gateway's own answers: `{"message": "..."}`.
fn gateway_answer(status: StatusCode, message: &str) -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from(json!({ "message": message }).to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Header names lower-cased, repeated values joined with commas (payload 2.0).
fn headers_json(headers: &HeaderMap) -> Value {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in headers {
        if let Ok(v) = value.to_str() {
            out.entry(name.as_str().to_ascii_lowercase()).or_default().push(v.to_owned());
        }
    }
    Value::Object(out.into_iter().map(|(k, v)| (k, Value::String(v.join(",")))).collect())
}

fn query_json(query: &str) -> Value {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(percent_decode(k)).or_default().push(percent_decode(v));
    }
    Value::Object(out.into_iter().map(|(k, v)| (k, Value::String(v.join(",")))).collect())
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Matches `/v1/things/{id}` or `/files/{proxy+}` against a path: (literal segments, parameters).
pub fn match_path(template: &str, path: &str) -> Option<(usize, Map<String, Value>)> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').trim_start_matches('/').split('/').collect();
    let mut params = Map::new();
    let mut literals = 0;
    for (i, segment) in t.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            if i >= p.len() {
                return None;
            }
            params.insert(name.into(), Value::String(p[i..].join("/")));
            return Some((literals, params));
        }
        let actual = p.get(i)?;
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if actual.is_empty() {
                return None;
            }
            params.insert(name.into(), Value::String(percent_decode(actual)));
        } else if segment != actual {
            return None;
        } else {
            literals += 1;
        }
    }
    (t.len() == p.len()).then_some((literals, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_literal_parameter_and_greedy_segments() {
        assert_eq!(match_path("/v1/accounts/me", "/v1/accounts/me").unwrap().0, 3);
        assert!(match_path("/v1/accounts/me", "/v1/accounts").is_none());
        let (_, params) = match_path("/v1/qr-logins/{id}/confirm", "/v1/qr-logins/abc/confirm").unwrap();
        assert_eq!(params["id"], "abc");
        let (_, params) = match_path("/files/{proxy+}", "/files/a/b").unwrap();
        assert_eq!(params["proxy"], "a/b");
        assert!(match_path("/v1/qr-logins/{id}", "/v1/qr-logins/").is_none());
    }

    #[test]
    fn decodes_query_strings() {
        assert_eq!(query_json("phone=%2B8613800000000&x=a+b"), json!({"phone": "+8613800000000", "x": "a b"}));
    }
}
