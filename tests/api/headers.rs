//! The headers every answer carries (issue 9, item 9): security headers and the request id on
//! successes, refusals, the `$default` route's 404 and 405 (with `Allow`) and 204s; `no-store` on
//! personal answers; CORS only for the configured console origins, preflights answered as API
//! Gateway's CORS configuration answers them; template.yaml states the same CORS policy.

use api_tests::{spawn_app, template, Reply};
use bytes::Bytes;
use functions::api::{Cors, API_CSP, HSTS};
use local_env::settings::LOCAL_CONSOLE_ORIGINS;

const UNLISTED_ORIGIN: &str = "https://evil.example";

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

fn console() -> &'static str {
    LOCAL_CONSOLE_ORIGINS[0]
}

/// The security headers, `no-store` and a request id; returns the request id.
fn assert_edge_headers(reply: &Reply) -> String {
    let what = format!("{} {:?}", reply.status, reply.headers);
    assert_eq!(header(reply, "strict-transport-security"), Some(HSTS), "{what}");
    assert_eq!(HSTS, "max-age=63072000; includeSubDomains");
    assert_eq!(header(reply, "x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(header(reply, "referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(header(reply, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(header(reply, "content-security-policy"), Some(API_CSP), "{what}");
    assert_eq!(header(reply, "cache-control"), Some("no-store"), "{what}");
    let id = header(reply, "x-request-id").unwrap_or_default().to_owned();
    assert!(!id.is_empty() && id != "unknown", "no request id: {what}");
    id
}

fn assert_no_cors(reply: &Reply) {
    let cors: Vec<_> = reply.headers.keys().filter(|k| k.as_str().starts_with("access-control-")).collect();
    assert!(cors.is_empty(), "CORS headers for an unlisted origin: {cors:?}");
}

fn varies_on_origin(reply: &Reply) -> bool {
    reply.headers.get_all("vary").iter().filter_map(|v| v.to_str().ok()).any(|v| v.eq_ignore_ascii_case("origin"))
}

#[tokio::test]
async fn a_created_answer_carries_the_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let created = app.call("POST", "/v1/qr-logins", None, None).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_edge_headers(&created);
    assert_eq!(header(&created, "content-type"), Some("application/json"));
}

#[tokio::test]
async fn a_refusal_carries_them_and_its_header_quotes_the_request_id_of_the_body() {
    let app = spawn_app().await;
    let refused = app.call_raw("POST", "/v1/sms-codes", None, Bytes::from_static(b"{")).await;
    assert_eq!((refused.status, refused.code()), (400, "MALFORMED_JSON"), "{:?}", refused.body);
    let id = assert_edge_headers(&refused);
    assert_eq!(refused.body["error"]["request_id"], id.as_str());

    let unauthenticated = app.call("GET", "/v1/accounts/me", Some("not-a-token"), None).await;
    assert_eq!((unauthenticated.status, unauthenticated.code()), (401, "UNAUTHENTICATED"));
    let id = assert_edge_headers(&unauthenticated);
    assert_eq!(unauthenticated.body["error"]["request_id"], id.as_str());
}

#[tokio::test]
async fn the_default_routes_404_carries_them() {
    let app = spawn_app().await;
    let missing = app.call("GET", "/v1/no-such-thing", None, None).await;
    assert_eq!((missing.status, missing.code()), (404, "ROUTE_NOT_FOUND"));
    let id = assert_edge_headers(&missing);
    assert_eq!(missing.body["error"]["request_id"], id.as_str());
    assert_eq!(header(&missing, "allow"), None);
}

#[tokio::test]
async fn a_405_names_the_methods_the_path_supports_in_allow() {
    let app = spawn_app().await;
    let wrong = app.call("PUT", "/v1/sessions", None, None).await;
    assert_eq!((wrong.status, wrong.code()), (405, "METHOD_NOT_ALLOWED"));
    assert_edge_headers(&wrong);
    assert_eq!(header(&wrong, "allow"), Some("GET, POST"));

    let wrong = app.call("GET", "/v1/sessions/current", None, None).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(header(&wrong, "allow"), Some("DELETE"));

    // Without a CORS preflight's headers an OPTIONS is just another method the path lacks.
    let options = app.call("OPTIONS", "/v1/accounts/me", None, None).await;
    assert_eq!(options.status, 405);
    assert_eq!(header(&options, "allow"), Some("GET"));
}

#[tokio::test]
async fn a_personal_answer_is_never_stored_and_a_204_carries_the_headers_too() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let me = app.call("GET", "/v1/accounts/me", Some(&token), None).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_edge_headers(&me);

    let signed_out = app.call("DELETE", "/v1/sessions/current", Some(&token), None).await;
    assert_eq!(signed_out.status, 204);
    assert_edge_headers(&signed_out);
}

#[tokio::test]
async fn a_listed_console_origin_gets_cors_without_credentials() {
    let app = spawn_app().await;
    let (_, _, token) = app.signed_in_user().await;
    let me = app.call_with_headers("GET", "/v1/accounts/me", Some(&token), None, &[("origin", console())]).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(header(&me, "access-control-allow-origin"), Some(console()));
    assert!(varies_on_origin(&me), "{:?}", me.headers);
    assert_eq!(header(&me, "access-control-allow-credentials"), None);
    assert_eq!(header(&me, "access-control-expose-headers"), Some("retry-after, x-request-id"));
    assert_edge_headers(&me);

    // Refusals too, so the console can read the error.
    let refused =
        app.call_with_headers("GET", "/v1/accounts/me", Some("not-a-token"), None, &[("origin", console())]).await;
    assert_eq!(refused.status, 401);
    assert_eq!(header(&refused, "access-control-allow-origin"), Some(console()));
}

#[tokio::test]
async fn an_unlisted_origin_gets_no_cors_headers() {
    let app = spawn_app().await;
    let created = app.call_with_headers("POST", "/v1/qr-logins", None, None, &[("origin", UNLISTED_ORIGIN)]).await;
    assert_eq!(created.status, 201);
    assert_no_cors(&created);
    // The answer depends on the origin, so caches are told so.
    assert!(varies_on_origin(&created), "{:?}", created.headers);
    assert_edge_headers(&created);

    // A look-alike of a listed origin is another origin.
    let look_alike = format!("{}.evil.example", console());
    let created = app.call_with_headers("POST", "/v1/qr-logins", None, None, &[("origin", &look_alike)]).await;
    assert_no_cors(&created);
}

#[tokio::test]
async fn a_preflight_from_a_listed_origin_is_answered_before_any_route_or_authorizer() {
    let app = spawn_app().await;
    let preflight = [
        ("origin", console()),
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "authorization"),
    ];
    // No Authorization header on a protected route: the preflight never reaches the authorizer.
    let answer = app.call_with_headers("OPTIONS", "/v1/accounts/me", None, None, &preflight).await;
    assert_eq!(answer.status, 204, "{:?}", answer.body);
    assert_eq!(answer.body, serde_json::Value::Null);
    assert_eq!(header(&answer, "access-control-allow-origin"), Some(console()));
    assert_eq!(header(&answer, "access-control-allow-methods"), Some("GET, POST, PUT, DELETE"));
    assert_eq!(header(&answer, "access-control-allow-headers"), Some("authorization, content-type, x-appeal-secret"));
    assert_eq!(header(&answer, "access-control-max-age"), Some("600"));
    assert_eq!(header(&answer, "access-control-allow-credentials"), None);
    assert!(varies_on_origin(&answer));

    let unlisted = [("origin", UNLISTED_ORIGIN), ("access-control-request-method", "POST")];
    let answer = app.call_with_headers("OPTIONS", "/v1/sessions", None, None, &unlisted).await;
    assert_eq!(answer.status, 204);
    assert_no_cors(&answer);
}

#[test]
fn template_yaml_configures_the_same_cors_policy_from_one_parameter() {
    let t = template();
    let cors = t.cors.as_ref().expect("the HTTP API has a CorsConfiguration");
    assert_eq!(cors.origins_parameter.as_deref(), Some("CorsAllowedOrigins"));
    assert_eq!(cors.allow_methods, Cors::ALLOW_METHODS);
    assert_eq!(cors.allow_headers, Cors::ALLOW_HEADERS);
    assert_eq!(cors.expose_headers, Cors::EXPOSE_HEADERS);
    assert_eq!(cors.max_age, Some(u64::from(Cors::MAX_AGE_SECS)));
    assert!(!cors.allow_credentials, "tokens are bearer headers: no credentials");
    assert!(
        t.global_env_refs.contains(&("CORS_ALLOWED_ORIGINS".to_owned(), "CorsAllowedOrigins".to_owned())),
        "the functions get the same parameter: {:?}",
        t.global_env_refs
    );
}
