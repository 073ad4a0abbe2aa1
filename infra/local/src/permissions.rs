//! The least-privilege check: every AWS call each function made during the tests (recorded with
//! `AWS_CALL_LOG`, see `shared::adapters::calls`) must be allowed by that function's policy in
//! template.yaml; the permissions no test exercised are listed (they may be unused, or untested).
//! `local-env permissions <log>` prints both and fails on a missing permission.

use crate::settings::UPLOADS_BUCKET;
use crate::template::Template;
use std::collections::{BTreeMap, BTreeSet};

/// A call's IAM action and resource, the resource as the template names it (`FlowsTable`,
/// `FlowsTable/index/by-owner`, `UploadsBucket/tmp/...`, `ReviewQueue`).
pub type Need = (String, String);

#[derive(Debug, Default)]
pub struct Report {
    /// Per function, the calls its policy does not allow.
    pub missing: BTreeMap<String, BTreeSet<Need>>,
    /// Per function, the (action, resource pattern) pairs no recorded call used.
    pub unused: BTreeMap<String, BTreeSet<Need>>,
    /// How many distinct calls were checked.
    pub checked: usize,
}

/// A test app's own tables and queues carry `-<8 hex digits>`: the logical id without it.
fn logical(name: &str) -> String {
    match name.rsplit_once('-') {
        Some((base, suffix)) if suffix.len() == 8 && suffix.chars().all(|c| c.is_ascii_hexdigit()) => base.to_owned(),
        _ => name.to_owned(),
    }
}

/// The template's name for a recorded resource.
pub fn template_resource(action: &str, resource: &str) -> String {
    if action.starts_with("s3:") {
        let bucket = crate::settings::bucket_name(UPLOADS_BUCKET);
        return match resource.split_once('/') {
            Some((b, key)) if b == bucket => format!("{UPLOADS_BUCKET}/{key}"),
            None if resource == bucket => UPLOADS_BUCKET.to_owned(),
            _ => resource.to_owned(),
        };
    }
    match resource.split_once('/') {
        Some((table, rest)) => format!("{}/{rest}", logical(table)),
        None => logical(resource),
    }
}

/// A policy's resource as the template writes it (`!GetAtt FlowsTable.Arn`, `!Sub
/// "${FlowsTable.Arn}/index/*"`, `!Ref FieldEncryptionKeyArn`), by logical id: `FlowsTable`,
/// `FlowsTable/index/*`, `FieldEncryptionKeyArn`.
pub fn policy_resource(raw: &str) -> String {
    if !raw.contains("${") {
        return raw.split('.').next().unwrap_or(raw).to_owned();
    }
    let mut out = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(after[..end].split('.').next().unwrap_or_default());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether a policy resource (with `*` wildcards) covers a resource.
fn covers(pattern: &str, resource: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == resource,
        Some((head, tail)) => {
            resource.starts_with(head)
                && resource.len() >= head.len() + tail.len()
                && covers_rest(tail, &resource[head.len()..])
        }
    }
}

fn covers_rest(pattern: &str, rest: &str) -> bool {
    if !pattern.contains('*') {
        return rest.ends_with(pattern);
    }
    (0..=rest.len()).filter(|i| rest.is_char_boundary(*i)).any(|i| covers(pattern, &rest[i..]))
}

fn action_covers(pattern: &str, action: &str) -> bool {
    pattern == action || pattern == "*" || pattern.strip_suffix('*').is_some_and(|p| action.starts_with(p))
}

/// Checks the recorded calls (`function<TAB>action<TAB>resource` lines) against the template.
pub fn check(template: &Template, log: &str) -> Report {
    let mut calls: BTreeMap<String, BTreeSet<Need>> = BTreeMap::new();
    for line in log.lines() {
        let mut parts = line.split('\t');
        let (Some(function), Some(action), Some(resource)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        calls.entry(function.to_owned()).or_default().insert((action.to_owned(), template_resource(action, resource)));
    }
    let mut report = Report::default();
    for function in &template.functions {
        let allowed: Vec<Need> = function
            .statements
            .iter()
            .filter(|s| s.effect == "Allow")
            .flat_map(|s| {
                s.actions.iter().flat_map(move |a| s.resources.iter().map(move |r| (a.clone(), policy_resource(r))))
            })
            .collect();
        let made = calls.remove(&function.binary).unwrap_or_default();
        report.checked += made.len();
        let mut used = BTreeSet::new();
        for (action, resource) in &made {
            let grant = allowed.iter().find(|(a, r)| action_covers(a, action) && covers(r, resource));
            match grant {
                Some(grant) => {
                    used.insert(grant.clone());
                }
                None => {
                    report
                        .missing
                        .entry(function.binary.clone())
                        .or_default()
                        .insert((action.clone(), resource.clone()));
                }
            }
        }
        // kms:Decrypt is used at cold start, outside a request: checked by the data-key tests.
        let unused: BTreeSet<Need> =
            allowed.into_iter().filter(|g| !used.contains(g) && !g.0.starts_with("kms:")).collect();
        if !unused.is_empty() {
            report.unused.insert(function.binary.clone(), unused);
        }
    }
    for (function, made) in calls {
        report.missing.insert(format!("{function} (not in template.yaml)"), made);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_patterns() {
        assert_eq!(
            template_resource("dynamodb:Query", "FlowsTable-0a1b2c3d/index/by-owner"),
            "FlowsTable/index/by-owner"
        );
        assert_eq!(template_resource("sqs:SendMessage", "ReviewQueue-0a1b2c3d"), "ReviewQueue");
        assert!(covers("FlowsTable/index/*", "FlowsTable/index/by-owner"));
        assert!(!covers("FlowsTable/index/*", "FlowsTable"));
        assert!(covers("UploadsBucket/tmp/*", "UploadsBucket/tmp/a/b"));
        assert!(!covers("UploadsBucket/tmp/*", "UploadsBucket/cases/a"));
        assert!(covers("AccountsTable", "AccountsTable"));
        assert!(
            action_covers("dynamodb:*", "dynamodb:GetItem") && !action_covers("dynamodb:Query", "dynamodb:GetItem")
        );
        assert_eq!(policy_resource("AccountsTable.Arn"), "AccountsTable");
        assert_eq!(policy_resource("${FlowsTable.Arn}/index/*"), "FlowsTable/index/*");
        assert_eq!(policy_resource("${UploadsBucket.Arn}/tmp/*"), "UploadsBucket/tmp/*");
        assert_eq!(policy_resource("FieldEncryptionKeyArn"), "FieldEncryptionKeyArn");
    }
}
