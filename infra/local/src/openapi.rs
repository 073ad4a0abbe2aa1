//! The API description (OpenAPI 3), generated from the code: the routes, their authorizer and
//! summaries from template.yaml; each operation's description from its row of the README's API
//! table (`crate::route_table`); each route's request body schema (derived with schemars from the
//! type its handler deserialises) and success answers from its registry row (`functions::registry::doc`); the error codes
//! and statuses from `functions::api::ERROR_CODES`. Web pages (`functions::api_doc::PAGES`: the
//! reviewers' dashboard) are not part of the API and not described. The committed `infra/openapi.json` is checked
//! against it by a test, so the two cannot drift. Regenerate with
//! `cargo run -q -p local-env -- openapi > infra/openapi.json`.

use crate::template::Template;
use functions::api::ERROR_CODES;
use functions::api_doc;
use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The providers' callbacks, authenticated by their body's HMAC in `X-Signature`.
const SIGNED_CALLBACKS: [&str; 3] = ["face_result_callback", "payout_callback", "inbound_transfer_callback"];

pub fn document(template: &Template, readme: &str) -> Value {
    let described = crate::route_table::rows(readme);
    let mut generator = SchemaSettings::openapi3().into_generator();
    let error_statuses: BTreeSet<u16> = ERROR_CODES.iter().map(|(_, status, _)| *status).collect();
    let mut paths: Map<String, Value> = Map::new();
    let mut routes: Vec<(&str, &str, &crate::template::Function, &crate::template::Route)> = template
        .functions
        .iter()
        .filter(|f| !api_doc::PAGES.contains(&f.binary.as_str()))
        .flat_map(|f| f.routes.iter().filter_map(move |r| Some((r.path.as_deref()?, r.method.as_deref()?, f, r))))
        .collect();
    routes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (path, method, function, route) in routes {
        let mut parameters: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let doc = functions::registry::doc(&function.binary);
        parameters.extend(doc.iter().flat_map(|d| d.query).map(|q| q.described()));
        let mut responses = Map::new();
        for (status, description, schema) in doc.map(|d| d.success).unwrap_or_default() {
            let mut answer = json!({ "description": description });
            if let Some(schema) = schema {
                let mut schema = schema();
                // A list that answers `next_cursor` takes the page it gives.
                if schema.pointer("/properties/next_cursor").is_some() {
                    parameters.extend(page_parameters());
                }
                // `x-media-type`: an answer that is not JSON (a text download).
                let media = match schema.as_object_mut().and_then(|s| s.remove("x-media-type")) {
                    Some(Value::String(media)) => media,
                    _ => "application/json".to_owned(),
                };
                answer["content"] = json!({ media: { "schema": schema } });
            }
            responses.insert(status.to_string(), answer);
        }
        for status in &error_statuses {
            // API Gateway itself answers 401 (no Authorization header) and 413 with `{"message"}`.
            let reference = match status {
                401 | 413 => "#/components/responses/ErrorOrGateway",
                _ => "#/components/responses/Error",
            };
            responses.insert(status.to_string(), json!({ "$ref": reference }));
        }
        let security = if route.authorized {
            json!([{ "bearer": [] }])
        } else if route.staff {
            json!([{ "staffBearer": [] }])
        } else if SIGNED_CALLBACKS.contains(&function.binary.as_str()) {
            json!([{ "providerSignature": [] }])
        } else {
            json!([])
        };
        let mut operation = json!({
            "operationId": function.binary,
            "summary": function.description.clone().unwrap_or_default(),
            "security": security,
            "responses": responses,
        });
        // What the route does, in the README's words (its row of the API table).
        if let Some(row) = described.get(&(method.to_owned(), path.to_owned())) {
            operation["description"] = json!(row.what);
        }
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if let Some(request) = doc.and_then(|d| d.request) {
            let mut media = json!({ "schema": request(&mut generator) });
            if let Some(example) = doc.and_then(|d| d.example) {
                media["example"] = example();
            }
            operation["requestBody"] = json!({ "required": true, "content": { "application/json": media } });
        }
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method.to_ascii_lowercase()] = operation;
    }
    let codes: Vec<&str> = ERROR_CODES.iter().map(|(c, _, _)| *c).collect();
    let descriptions: Map<String, Value> =
        ERROR_CODES.iter().map(|(c, status, meaning)| (c.to_string(), json!(format!("{status}: {meaning}")))).collect();
    let error = serde_json::to_value(generator.subschema_for::<functions::api::ErrorAnswer>()).unwrap_or_default();
    let mut schemas = generator.take_definitions(true);
    // The stable codes, each with its meaning, from the same rows as the answers.
    if let Some(code) = schemas.get_mut("ErrorBody").and_then(|b| b.pointer_mut("/properties/code")) {
        code["enum"] = json!(codes);
        code["x-meanings"] = Value::Object(descriptions);
    }
    if let Some(answer) = schemas.get_mut("ErrorAnswer") {
        answer["example"] = json!({ "error": { "code": "INVALID_FIELD", "message": "phone: must be a valid phone number",
            "request_id": "c0ffee00-0000-4000-8000-000000000000", "details": { "field": "phone", "reason": "must be a valid phone number" } } });
    }
    schemas.insert(
        "GatewayMessage".into(),
        json!({ "type": "object", "required": ["message"], "properties": { "message": { "type": "string" } },
            "example": { "message": "Unauthorized" } }),
    );
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Account centre API", "version": "1", "description": "Generated from template.yaml, the code and the README's API table; see the README for the flows." },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "the access_token of a sign-in" },
                "staffBearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "a staff user pool access token (`POST /v1/staff/sessions`, then the virtual MFA code)" },
                "providerSignature": { "type": "apiKey", "in": "header", "name": "X-Signature", "description": "hex HMAC-SHA256 of the body with the provider's shared secret (face, payouts, the receiving bank)" },
            },
            "schemas": schemas,
            "responses": {
                "Error": { "description": "a refusal with a stable code", "content": { "application/json": { "schema": error } } },
                "ErrorOrGateway": { "description": "a refusal with a stable code, or API Gateway's own answer (`{\"message\"}`: no Authorization header on a protected route, or a body over 10 MB)", "content": { "application/json": { "schema": { "oneOf": [error, { "$ref": "#/components/schemas/GatewayMessage" }] } } } },
            },
        },
    })
}

/// The query parameters of a list answered a page at a time.
fn page_parameters() -> [Value; 2] {
    [
        json!({ "name": "limit", "in": "query", "required": false, "description": "items per page",
            "schema": { "type": "integer", "minimum": 1, "maximum": functions::extract::MAX_PAGE } }),
        json!({ "name": "cursor", "in": "query", "required": false,
            "description": "the previous page's `next_cursor`", "schema": { "type": "string" } }),
    ]
}

/// The README's table of error codes, from the same rows as the API description (a test keeps
/// the README's copy equal; print it with `cargo run -q -p local-env -- error-table`).
pub fn error_table() -> String {
    let mut table = String::from("| code | status | meaning |\n|---|---|---|\n");
    for (code, status, meaning) in ERROR_CODES {
        table.push_str(&format!("| `{code}` | {status} | {meaning} |\n"));
    }
    table
}
