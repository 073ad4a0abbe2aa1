//! Every answer a test sees, checked against the API description (`infra/openapi.json`): the
//! operation must list the status, and the body must match that status's schema [issue 26]. An
//! object schema that names its properties allows no other field (`additionalProperties` aside),
//! so a field sent but not described fails the test that saw it, as a strictly typed client
//! would fail on it.
//!
//! The checker knows the part of OpenAPI 3.0's schema language the description uses and refuses
//! any other keyword (it cannot pass what it does not understand).

use serde_json::{Map, Value};
use std::sync::OnceLock;

fn description() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = local_env::settings::repo_root().join("infra/openapi.json");
        let text = std::fs::read_to_string(&path).expect("infra/openapi.json is readable");
        serde_json::from_str(&text).expect("infra/openapi.json is JSON")
    })
}

/// Why an answer does not match the description, or `None` when it does (or the route is not
/// described: the sandbox's and the local tools' routes, an unknown path).
pub fn violation(method: &str, path: &str, status: u16, body: &Value) -> Option<String> {
    if method.eq_ignore_ascii_case("OPTIONS") {
        // A CORS preflight, answered by API Gateway (its headers are tested on their own).
        return None;
    }
    let doc = description();
    let path = path.split('?').next().unwrap_or(path);
    let (template, item) = doc["paths"].as_object()?.iter().find(|(template, _)| matches(template, path))?;
    let Some(operation) = item.get(method.to_ascii_lowercase()) else {
        // A method the route does not have: the gateway's own 405.
        return (status != 405).then(|| format!("{method} {template} is not described, answered {status}"));
    };
    let responses = &operation["responses"];
    let Some(response) = responses.get(status.to_string()).or_else(|| responses.get("default")) else {
        return Some(format!("{method} {template}: status {status} is not described"));
    };
    let response = resolve(doc, response);
    let at = format!("{method} {template} {status}");
    if let Some(text) = response["content"].get("text/plain") {
        // A text download: the body is not JSON (the test support keeps it as a string).
        return (!body.is_string()).then(|| format!("{at}: not the text described ({text}): {body}"));
    }
    let schema = &response["content"]["application/json"]["schema"];
    match (schema.is_null(), body.is_null()) {
        (true, true) => None,
        (true, false) => Some(format!("{at}: a body where none is described: {body}")),
        (false, true) => Some(format!("{at}: no body where one is described")),
        (false, false) => check(doc, schema, body, "$").err().map(|e| format!("{at}: {e}")),
    }
}

/// Whether a path template (`/v1/things/{id}`) matches a path.
fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let pointer = reference.strip_prefix('#').unwrap_or(reference);
        node = doc.pointer(pointer).unwrap_or(&Value::Null);
    }
    node
}

const KNOWN: &[&str] = &[
    "$ref",
    "type",
    "nullable",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
    "format",
    "minimum",
    "maximum",
    "pattern",
    "default",
    "description",
    "example",
    "title",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "readOnly",
    "writeOnly",
];

fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    let Some(schema) = schema.as_object() else { return Ok(()) };
    // `x-...`: an extension (as the error codes' meanings), not a rule.
    if let Some(unknown) = schema.keys().find(|k| !KNOWN.contains(&k.as_str()) && !k.starts_with("x-")) {
        return Err(format!("{at}: the checker does not know the keyword {unknown:?}"));
    }
    if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return Ok(());
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(doc, part, value, at)?;
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let passing = options.iter().filter(|o| check(doc, o, value, at).is_ok()).count();
            let fits = if key == "oneOf" { passing == 1 } else { passing >= 1 };
            if !fits {
                let why: Vec<String> = options.iter().filter_map(|o| check(doc, o, value, at).err()).collect();
                return Err(format!("{at}: {passing} of the {key} options match {value}: {}", why.join("; ")));
            }
        }
    }
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        let fits = match kind {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            other => return Err(format!("{at}: unknown type {other:?}")),
        };
        if !fits {
            return Err(format!("{at}: {value} is not of type {kind}"));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            return Err(format!("{at}: {value} is not one of {}", Value::Array(values.clone())));
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Value::as_f64), value.as_f64()) {
        if n < min {
            return Err(format!("{at}: {n} is below the minimum {min}"));
        }
    }
    if let (Some(max), Some(n)) = (schema.get("maximum").and_then(Value::as_f64), value.as_f64()) {
        if n > max {
            return Err(format!("{at}: {n} is above the maximum {max}"));
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            check(doc, items, item, &format!("{at}[{i}]"))?;
        }
    }
    if let Some(object) = value.as_object() {
        check_object(doc, schema, object, at)?;
    }
    Ok(())
}

fn check_object(doc: &Value, schema: &Map<String, Value>, object: &Map<String, Value>, at: &str) -> Result<(), String> {
    let empty = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        let name = required.as_str().unwrap_or_default();
        if !object.contains_key(name) {
            return Err(format!("{at}: the required field {name:?} is missing"));
        }
    }
    // Parts of an allOf describe one object together: a field named by any part is described.
    let named_elsewhere = |name: &str| {
        schema.get("allOf").and_then(Value::as_array).into_iter().flatten().any(|part| {
            resolve(doc, part).get("properties").and_then(Value::as_object).is_some_and(|p| p.contains_key(name))
        })
    };
    for (name, value) in object {
        let here = format!("{at}.{name}");
        match (properties.get(name), schema.get("additionalProperties")) {
            (Some(property), _) => check(doc, property, value, &here)?,
            (None, Some(Value::Bool(false))) => return Err(format!("{here} is not described")),
            (None, Some(Value::Bool(true))) => {}
            (None, Some(extra)) => check(doc, extra, value, &here)?,
            (None, None) if named_elsewhere(name) => {}
            // An object schema that names its fields describes all of them.
            (None, None) if !properties.is_empty() || schema.contains_key("allOf") => {
                return Err(format!("{here} is not described"));
            }
            (None, None) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_undescribed_field_or_value_is_refused() {
        let doc = json!({});
        let schema = json!({"type": "object", "required": ["state"], "properties": {
            "state": {"type": "string", "enum": ["unverified", "personal"]}}});
        assert!(check(&doc, &schema, &json!({"state": "personal"}), "$").is_ok());
        assert!(check(&doc, &schema, &json!({"state": "enterprise"}), "$").is_err());
        assert!(check(&doc, &schema, &json!({"state": "personal", "extra": 1}), "$").is_err());
        assert!(check(&doc, &schema, &json!({}), "$").is_err());
        assert!(check(&doc, &json!({"type": "string", "frobnicate": 1}), &json!("x"), "$").is_err());
    }
}

#[cfg(test)]
mod against_the_description {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_enterprise_account_is_checked() {
        let body = json!({"account_id": "a", "kind": "cloud", "created_at": "2026-01-01T00:00:00Z", "activated": true,
            "verification": {"state": "enterprise"}});
        let v = violation("GET", "/v1/accounts/me", 200, &body);
        assert!(v.is_some(), "{v:?}");
    }
}
