//! The one list of Lambdas (`functions::registry`) is the template's (functions and routes), the
//! Cargo.toml's `[[bin]]` entries and the bins', and only its rows with `data_key: true` may
//! decrypt the data key.

use api_tests::template;
use functions::registry::{self, LAMBDAS};
use local_env::settings::repo_root;
use std::collections::BTreeSet;

fn rows() -> BTreeSet<&'static str> {
    LAMBDAS.iter().map(|l| l.binary).collect()
}

#[test]
fn every_function_of_the_template_has_a_row_and_every_row_a_function() {
    let t = template();
    let in_template: BTreeSet<&str> = t.functions.iter().map(|f| f.binary.as_str()).collect();
    assert_eq!(in_template.len(), t.functions.len(), "a binary is deployed twice");
    assert_eq!(in_template, rows());
    assert_eq!(LAMBDAS.len(), rows().len(), "a binary has two rows");
    for f in &t.functions {
        let row = registry::lambda_named(&f.binary).unwrap();
        let is_authorizer = t.authorizer_binary.as_deref() == Some(f.binary.as_str());
        let is_worker = f.queue.is_some() || f.schedule.is_some();
        assert_eq!(row.authorizer, is_authorizer, "{}", f.binary);
        assert_eq!(row.queue, f.queue.as_deref(), "{}: the row's queue is the template's SQS event source", f.binary);
        assert_eq!(row.schedule, f.schedule.as_deref(), "{}: the row's schedule is the template's", f.binary);
        assert_eq!(
            f.routes.is_empty(),
            is_authorizer || is_worker,
            "{}: routes for handlers, none for the authorizer and the workers",
            f.binary
        );
        assert_eq!(registry::http_handler(&f.binary).is_some(), !is_authorizer && !is_worker, "{}", f.binary);
        assert_eq!(registry::worker_handler(&f.binary).is_some(), f.queue.is_some(), "{}", f.binary);
        assert_eq!(registry::schedule_handler(&f.binary).is_some(), f.schedule.is_some(), "{}", f.binary);
        let routes: BTreeSet<(String, String)> =
            f.routes.iter().filter_map(|r| Some((r.method.clone()?, r.path.clone()?))).collect();
        let in_row: BTreeSet<(String, String)> =
            row.routes.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
        assert_eq!(routes, in_row, "{}: the row's routes are the template's", f.binary);
    }
}

#[test]
fn every_row_has_its_bin_and_every_bin_a_row() {
    let functions = repo_root().join("functions");
    let manifest = std::fs::read_to_string(functions.join("Cargo.toml")).unwrap();
    let mut bins = BTreeSet::new();
    for section in manifest.split("[[bin]]").skip(1) {
        let field = |key: &str| {
            section.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        let name = field("name").expect("a [[bin]] has a name");
        assert_eq!(field("path"), Some(format!("src/bin/{name}.rs")), "{name}");
        assert_eq!(field("test").as_deref(), Some("false"), "{name}");
        bins.insert(name);
    }
    assert_eq!(bins.iter().map(String::as_str).collect::<BTreeSet<_>>(), rows());

    let files: BTreeSet<String> = std::fs::read_dir(functions.join("src/bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    assert_eq!(files, bins);
    for row in LAMBDAS {
        let source = std::fs::read_to_string(functions.join(format!("src/bin/{}.rs", row.binary))).unwrap();
        let runner = match (row.authorizer, row.queue, row.schedule) {
            (true, _, _) => "authorizer_lambda",
            (false, Some(_), _) => "worker_lambda",
            (false, None, Some(_)) => "schedule_lambda",
            (false, None, None) => "http_lambda",
        };
        let call = format!("functions::{runner}!(functions::{});", row.handler.replace(' ', ""));
        assert!(source.contains(&call), "src/bin/{}.rs should be `{call}`", row.binary);
        assert!(source.lines().count() <= 3, "src/bin/{}.rs: a bin is three lines", row.binary);
    }
}

#[test]
fn only_the_functions_that_need_the_data_key_may_decrypt_it() {
    for f in &template().functions {
        let row = registry::lambda_named(&f.binary).unwrap();
        let kms: Vec<_> = f.statements.iter().filter(|s| s.actions.iter().any(|a| a.starts_with("kms:"))).collect();
        if row.needs.data_key {
            assert_eq!(kms.len(), 1, "{} needs the data key: one kms:Decrypt statement", f.binary);
            assert_eq!(kms[0].effect, "Allow");
            assert_eq!(kms[0].actions, ["kms:Decrypt"], "{}", f.binary);
            assert_eq!(kms[0].resources, ["FieldEncryptionKeyArn"], "{}", f.binary);
        } else {
            assert!(kms.is_empty(), "{} handles no personal data: no KMS permission", f.binary);
        }
    }
}
