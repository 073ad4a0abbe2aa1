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
fn the_readme_lists_every_error_code_as_the_code_says() {
    let readme = std::fs::read_to_string(local_env::settings::repo_root().join("README.md")).unwrap();
    // The table is the code's, word for word.
    assert!(
        readme.contains(&local_env::openapi::error_table()),
        "README's error table is stale: replace it with `cargo run -q -p local-env -- error-table`"
    );
    for (code, _, _) in ERROR_CODES {
        assert!(readme.contains(&format!("| `{code}` |")), "README does not list {code}");
    }
}

#[test]
fn the_readme_describes_each_route_once_with_the_authentication_it_has() {
    let readme = std::fs::read_to_string(local_env::settings::repo_root().join("README.md")).unwrap();
    let rows = local_env::route_table::rows(&readme);
    assert_eq!(local_env::route_table::duplicates(&readme), vec![], "routes with two rows in the README");
    let known: BTreeSet<(String, String)> = KNOWN_ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    let described: BTreeSet<(String, String)> = rows.keys().cloned().collect();
    assert_eq!(described, known, "the README's route rows and the template's routes");
    // The auth column names the scheme the description gives the route.
    let description = local_env::openapi::document(template(), &readme);
    for ((method, path), row) in &rows {
        let Some(operation) = description["paths"][path].get(method.to_ascii_lowercase()) else { continue };
        let scheme =
            operation["security"].as_array().unwrap().iter().find_map(|s| s.as_object()?.keys().next().cloned());
        assert_eq!(
            local_env::route_table::scheme(&row.auth),
            scheme.as_deref(),
            "{method} {path}: the README says `{}`",
            row.auth
        );
        assert_eq!(operation["description"], row.what.as_str(), "{method} {path}");
    }
}

#[test]
fn the_committed_api_description_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&local_env::openapi::document(
        template(),
        &std::fs::read_to_string(local_env::settings::repo_root().join("README.md")).unwrap(),
    ))
    .unwrap();
    let committed = std::fs::read_to_string(local_env::settings::repo_root().join("infra/openapi.json")).unwrap();
    assert_eq!(
        committed.trim_end(),
        generated,
        "infra/openapi.json is stale: run `cargo run -q -p local-env -- openapi > infra/openapi.json`"
    );
    let doc: serde_json::Value = serde_json::from_str(&committed).unwrap();
    for (method, path) in KNOWN_ROUTES {
        if functions::registry::is_page_route(method, path) {
            assert!(doc["paths"][path].is_null(), "{method} {path} serves a page: not in the API description");
            continue;
        }
        assert!(
            doc["paths"][path][method.to_ascii_lowercase()].is_object(),
            "{method} {path} missing from the API description"
        );
    }
}

/// The raw template (tags such as `!Ref` kept).
fn raw_template() -> serde_yaml::Value {
    let text = std::fs::read_to_string(local_env::settings::repo_root().join("template.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// `!Ref X` (or `{Ref: X}`) -> `X`.
fn reference(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::Tagged(t) if t.tag == "Ref" => t.value.as_str().map(str::to_owned),
        serde_yaml::Value::Mapping(m) => m.get("Ref").and_then(|r| r.as_str()).map(str::to_owned),
        _ => None,
    }
}

/// [issue 14] No function's environment (Globals or its own) holds a secret: no variable named
/// like one (`*_SECRET`, `*_KEY`, `*PEPPER*`, `*PASSWORD*`, `*_TOKEN`; ids and ARNs aside), no
/// `!Ref` of a `NoEcho` parameter, no dynamic reference (`{{resolve:...}}`) and no long literal.
#[test]
fn no_function_environment_holds_a_secret() {
    let t = raw_template();
    let no_echo: BTreeSet<String> = t["Parameters"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, p)| p["NoEcho"].as_bool() == Some(true) || p["NoEcho"].as_str() == Some("true"))
        .map(|(k, _)| k.as_str().unwrap().to_owned())
        .collect();
    let mut environments = vec![("Globals".to_owned(), t["Globals"]["Function"]["Environment"]["Variables"].clone())];
    for (id, resource) in t["Resources"].as_mapping().unwrap() {
        if matches!(resource["Type"].as_str(), Some("AWS::Serverless::Function" | "AWS::Lambda::Function")) {
            environments
                .push((id.as_str().unwrap().to_owned(), resource["Properties"]["Environment"]["Variables"].clone()));
        }
    }
    let mut checked = 0;
    for (whose, variables) in environments {
        for (name, value) in variables.as_mapping().into_iter().flatten() {
            let name = name.as_str().unwrap();
            checked += 1;
            let named_as_id = name.ends_with("_ARN") || name.ends_with("_ID") || name.ends_with("_URL");
            let named_as_secret = ["_SECRET", "_KEY", "_TOKEN"].iter().any(|s| name.ends_with(s))
                || ["PEPPER", "PASSWORD", "PRIVATE"].iter().any(|s| name.contains(s));
            assert!(named_as_id || !named_as_secret, "{whose}: {name} looks like a secret");
            if let Some(parameter) = reference(value) {
                assert!(!no_echo.contains(&parameter), "{whose}: {name} is the NoEcho parameter {parameter}");
            }
            let text = serde_yaml::to_string(value).unwrap();
            assert!(!text.contains("{{resolve:"), "{whose}: {name} resolves a secret into the environment");
            if let Some(literal) = value.as_str() {
                assert!(literal.len() < 32 || literal.contains("://"), "{whose}: {name} holds a long literal");
            }
        }
    }
    assert!(checked > 20, "the environment was read");
    assert!(no_echo.is_empty(), "no secret parameter is left: the secrets are in Secrets Manager ({no_echo:?})");
}

/// [issue 14] The template's secrets are the code's groups, each function learns where every
/// group is, and each function may `secretsmanager:GetSecretValue` exactly the groups its row of the
/// registry reads at cold start (as `kms:Decrypt` only with `data_key: true`).
#[test]
fn each_function_may_read_exactly_the_secrets_it_needs() {
    let raw = raw_template();
    let declared: BTreeSet<&str> = raw["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::SecretsManager::Secret"))
        .map(|(k, _)| k.as_str().unwrap())
        .collect();
    let groups: BTreeSet<&str> = shared::secrets::GROUPS.iter().map(|g| g.logical_id).collect();
    assert_eq!(declared, groups);
    // Every function finds every group by name: the stack's name, a dash, the logical id.
    let globals = &raw["Globals"]["Function"]["Environment"]["Variables"];
    let sub = |v: &serde_yaml::Value| serde_yaml::to_string(v).unwrap().trim().to_owned();
    assert_eq!(sub(&globals["SECRET_NAME_PREFIX"]), "!Sub ${AWS::StackName}-");
    for group in shared::secrets::GROUPS {
        let name = &raw["Resources"][group.logical_id]["Properties"]["Name"];
        assert_eq!(sub(name), format!("!Sub ${{AWS::StackName}}-{}", group.logical_id));
    }
    for f in &template().functions {
        let row = registry::lambda_named(&f.binary).unwrap();
        let granted: BTreeSet<String> = f
            .statements
            .iter()
            .filter(|s| s.effect == "Allow" && s.actions.iter().any(|a| a == "secretsmanager:GetSecretValue"))
            .flat_map(|s| s.resources.iter().cloned())
            .collect();
        let needed: BTreeSet<String> = row.needs.secrets.groups().map(|g| g.logical_id.to_owned()).collect();
        assert_eq!(granted, needed, "{}: its policy's secrets and its row's secret groups differ", f.binary);
        let decrypts = f.statements.iter().any(|s| {
            s.actions.iter().any(|a| a.starts_with("secretsmanager:") && a != "secretsmanager:GetSecretValue")
        });
        assert!(!decrypts, "{}: only GetSecretValue", f.binary);
    }
}

#[test]
fn every_route_answers_well_inside_api_gateways_thirty_seconds() {
    // A function that may still be running when API Gateway gives up (30 s) leaves its client
    // with a 503 for work that then completes.
    for function in template().functions.iter().filter(|f| !f.routes.is_empty()) {
        let timeout = function.timeout_secs.expect("every function has a timeout");
        assert!(timeout <= 20, "{} may run {timeout} s", function.logical_id);
    }
}
