//! template.yaml, the code and the README agree.

use api_tests::template;
use functions::{api::ERROR_CODES, fallback::KNOWN_ROUTES, registry};
use shared::tables;
use std::collections::BTreeSet;

#[test]
fn the_tables_in_the_code_are_the_tables_of_the_template() {
    let t = template();
    let in_template: BTreeSet<&str> = t.tables.iter().map(|t| t.logical_id.as_str()).collect();
    let in_code: BTreeSet<&str> = tables::ALL.iter().map(|t| t.logical_id).collect();
    assert_eq!(in_template, in_code);
    for spec in tables::ALL {
        let table = t.table(spec.logical_id).unwrap();
        assert_eq!(table.partition_key, spec.partition_key, "{}", spec.logical_id);
        assert_eq!(table.sort_key.as_deref(), spec.sort_key, "{}", spec.logical_id);
        assert_eq!(table.ttl_attribute.as_deref(), spec.ttl_attribute, "{}", spec.logical_id);
        assert_eq!(table.billing_mode.as_deref(), Some("PAY_PER_REQUEST"), "{}", spec.logical_id);
        assert!(table.point_in_time_recovery, "{} needs point-in-time recovery", spec.logical_id);
        let indexes: Vec<(&str, &str, Option<&str>)> =
            table.indexes.iter().map(|i| (i.name.as_str(), i.partition_key.as_str(), i.sort_key.as_deref())).collect();
        let expected: Vec<(&str, &str, Option<&str>)> =
            spec.indexes.iter().map(|i| (i.name, i.partition_key, i.sort_key)).collect();
        assert_eq!(indexes, expected, "{}", spec.logical_id);
        for (name, kind) in &table.attributes {
            assert_eq!(kind, "S", "{}.{name}: the code writes strings", spec.logical_id);
        }
    }
}

#[test]
fn every_function_of_the_template_has_its_handler_and_every_handler_a_function() {
    let t = template();
    let authorizer = t.authorizer_binary.as_deref().expect("the HTTP API has a default authorizer");
    assert_eq!(authorizer, registry::AUTHORIZER);
    for f in &t.functions {
        assert!(
            f.binary == registry::AUTHORIZER
                || registry::http_handler(&f.binary).is_some()
                || registry::worker_handler(&f.binary).is_some()
                || registry::schedule_handler(&f.binary).is_some(),
            "{} has no handler",
            f.binary
        );
    }
    let binaries: BTreeSet<&str> = t.functions.iter().map(|f| f.binary.as_str()).collect();
    for b in registry::HTTP_BINARIES {
        assert!(binaries.contains(b), "handler {b} is not deployed by template.yaml");
    }
}

#[test]
fn the_fallback_knows_exactly_the_template_routes() {
    let from_template: BTreeSet<(String, String)> = template()
        .functions
        .iter()
        .flat_map(|f| f.routes.iter())
        .filter_map(|r| Some((r.method.clone()?, r.path.clone()?)))
        .collect();
    let known: BTreeSet<(String, String)> = KNOWN_ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(from_template, known);
}

#[test]
fn the_readme_lists_every_error_code() {
    let readme = std::fs::read_to_string(local_env::settings::repo_root().join("README.md")).unwrap();
    for (code, status, _) in ERROR_CODES {
        assert!(readme.contains(&format!("`{code}`")), "README does not list {code}");
        assert!(
            readme.contains(&format!("| {status} |")) || readme.contains(&format!("| {status} ")),
            "README lacks status {status}"
        );
    }
    for (method, path) in KNOWN_ROUTES {
        assert!(
            readme.contains(&format!("{method} {path}")) || readme.contains(&format!("`{method} {path}`")),
            "README does not list {method} {path}"
        );
    }
}

#[test]
fn the_committed_api_description_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&local_env::openapi::document(template())).unwrap();
    let committed = std::fs::read_to_string(local_env::settings::repo_root().join("infra/openapi.json")).unwrap();
    assert_eq!(
        committed.trim_end(),
        generated,
        "infra/openapi.json is stale: run `cargo run -q -p local-env -- openapi > infra/openapi.json`"
    );
    let doc: serde_json::Value = serde_json::from_str(&committed).unwrap();
    for (method, path) in KNOWN_ROUTES {
        if functions::api_doc::is_page_route(method, path) {
            assert!(doc["paths"][path].is_null(), "{method} {path} serves a page: not in the API description");
            continue;
        }
        assert!(
            doc["paths"][path][method.to_ascii_lowercase()].is_object(),
            "{method} {path} missing from the API description"
        );
    }
}
