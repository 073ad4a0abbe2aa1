//! The API description (OpenAPI 3), generated from the code: the routes, their authorizer and
//! summaries from template.yaml, the error codes from `functions::api::ERROR_CODES`. The committed
//! `infra/openapi.json` is checked against it by a test, so the two cannot drift. Regenerate with
//! `cargo run -q -p local-env -- openapi > infra/openapi.json`.

use crate::template::Template;
use functions::api::ERROR_CODES;
use serde_json::{json, Map, Value};

pub fn document(template: &Template) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    let mut routes: Vec<(&str, &str, &crate::template::Function, bool)> = template
        .functions
        .iter()
        .flat_map(|f| {
            f.routes.iter().filter_map(move |r| Some((r.path.as_deref()?, r.method.as_deref()?, f, r.authorized)))
        })
        .collect();
    routes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (path, method, function, authorized) in routes {
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let mut operation = json!({
            "operationId": function.binary,
            "summary": function.description.clone().unwrap_or_default(),
            "security": if authorized { json!([{ "bearer": [] }]) } else { json!([]) },
            "responses": {
                "2XX": { "description": "success (JSON, or empty for 204)" },
                "4XX": { "$ref": "#/components/responses/Error" },
                "5XX": { "$ref": "#/components/responses/Error" },
            },
        });
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if method != "GET" && method != "DELETE" {
            operation["requestBody"] =
                json!({ "required": false, "content": { "application/json": { "schema": { "type": "object" } } } });
        }
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method.to_ascii_lowercase()] = operation;
    }
    let codes: Vec<&str> = ERROR_CODES.iter().map(|(c, _, _)| *c).collect();
    let descriptions: Map<String, Value> =
        ERROR_CODES.iter().map(|(c, status, meaning)| (c.to_string(), json!(format!("{status}: {meaning}")))).collect();
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Account centre API", "version": "1", "description": "Generated from template.yaml and the code; see the README for the flows." },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message", "request_id"],
                            "properties": {
                                "code": { "type": "string", "enum": codes, "x-meanings": descriptions },
                                "message": { "type": "string" },
                                "request_id": { "type": "string" },
                                "details": { "type": "object" },
                            },
                        },
                    },
                },
            },
            "responses": { "Error": { "description": "a refusal with a stable code", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } },
        },
    })
}
