//! A record of the AWS calls each function makes, for the least-privilege check (local and tests
//! only): with `AWS_CALL_LOG=<file>` every DynamoDB, S3, SQS, KMS and Secrets Manager request sent while a function
//! runs (the local gateway names it in [`FUNCTION`]) appends `function<TAB>action<TAB>resource`
//! lines, one per IAM action the request needs (a transaction needs each item's own action;
//! a copy needs `s3:GetObject` on its source and `s3:PutObject` on its target). Resources are
//! names as the emulator knows them (tables, queues, `bucket/key`); `local-env permissions` maps
//! them to the template's logical ids and checks each function's policy.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    /// The binary of the function running on this task (set by the local gateway).
    pub static FUNCTION: &'static str;
}

#[derive(Debug, Clone)]
pub struct CallRecorder {
    out: Arc<Mutex<std::fs::File>>,
}

impl CallRecorder {
    /// The recorder `AWS_CALL_LOG` asks for, if any.
    pub fn from_env() -> Option<CallRecorder> {
        let path = std::env::var_os("AWS_CALL_LOG").filter(|p| !p.is_empty())?;
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path).ok()?;
        Some(CallRecorder { out: Arc::new(Mutex::new(file)) })
    }

    /// Records an action the function's credentials sign for without sending a request (a
    /// presigned link: whoever uses it acts with the function's permissions).
    pub fn record(&self, action: &str, resource: &str) {
        let Ok(function) = FUNCTION.try_with(|f| *f) else { return };
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(format!("{function}\t{action}\t{resource}\n").as_bytes());
        }
    }
}

/// The IAM actions and resources one request needs.
pub fn needs(
    service: &str,
    operation: &str,
    uri: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Vec<(String, String)> {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_default();
    match service.to_ascii_lowercase().as_str() {
        "dynamodb" => match operation {
            "TransactWriteItems" => json["TransactItems"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| {
                    let (kind, op) = item.as_object()?.iter().next()?;
                    let action = match kind.as_str() {
                        "Put" => "PutItem",
                        "Update" => "UpdateItem",
                        "Delete" => "DeleteItem",
                        _ => "ConditionCheckItem",
                    };
                    Some((format!("dynamodb:{action}"), text(&op["TableName"])))
                })
                .collect(),
            "BatchGetItem" | "BatchWriteItem" => json["RequestItems"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(table, _)| (format!("dynamodb:{operation}"), table.clone()))
                .collect(),
            _ => {
                let table = text(&json["TableName"]);
                let resource = match json["IndexName"].as_str() {
                    Some(index) => format!("{table}/index/{index}"),
                    None => table,
                };
                vec![(format!("dynamodb:{operation}"), resource)]
            }
        },
        // Locally the queues are configured by name and resolved once; in AWS by URL: not a call
        // production makes.
        "sqs" if operation == "GetQueueUrl" => vec![],
        "sqs" => {
            let queue = text(&json["QueueUrl"]).rsplit('/').next().unwrap_or_default().to_owned();
            let action = match operation {
                "SendMessageBatch" => "SendMessage",
                "DeleteMessageBatch" => "DeleteMessage",
                "ChangeMessageVisibilityBatch" => "ChangeMessageVisibility",
                other => other,
            };
            vec![(format!("sqs:{action}"), queue)]
        }
        "s3" => {
            let path =
                uri.split("://").nth(1).and_then(|rest| rest.split_once('/')).map(|(_, p)| p).unwrap_or_default();
            let path = path.split('?').next().unwrap_or_default().to_owned();
            let bucket = path.split('/').next().unwrap_or_default().to_owned();
            // A read of a missing object is answered 404 only with `s3:ListBucket` on the bucket
            // (403 without it): the code reads 404 as "not uploaded", so a read needs both.
            let list = ("s3:ListBucket".to_owned(), bucket.clone());
            match operation {
                "HeadObject" | "GetObject" => vec![("s3:GetObject".into(), path), list],
                "CopyObject" => {
                    let source = headers.get("x-amz-copy-source").and_then(|v| v.to_str().ok()).unwrap_or_default();
                    vec![
                        ("s3:GetObject".into(), source.trim_start_matches('/').to_owned()),
                        ("s3:PutObject".into(), path),
                        list,
                    ]
                }
                // The keys are in the request body: the policy must allow deleting any object,
                // and any version of one when the body names versions.
                "DeleteObjects" => {
                    let any = format!("{bucket}/*");
                    let mut needs = vec![("s3:DeleteObject".to_owned(), any.clone())];
                    if body.windows(b"<VersionId>".len()).any(|w| w == b"<VersionId>") {
                        needs.push(("s3:DeleteObjectVersion".to_owned(), any));
                    }
                    needs
                }
                "ListObjectsV2" | "ListObjects" => vec![list],
                "ListObjectVersions" => vec![("s3:ListBucketVersions".into(), bucket)],
                other => vec![(format!("s3:{other}"), path)],
            }
        }
        "kms" => vec![(format!("kms:{operation}"), "FieldEncryptionKeyArn".into())],
        // Locally a secret's name is its logical id (at cold start: outside a function's run, so
        // checked by the registry-against-template test rather than this log).
        "secretsmanager" | "secrets manager" => vec![(format!("secretsmanager:{operation}"), text(&json["SecretId"]))],
        other => vec![(format!("{other}:{operation}"), String::new())],
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "CallRecorder"
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Calls made outside a function (provisioning, the tests' own clients) are not recorded.
        if FUNCTION.try_with(|_| ()).is_err() {
            return Ok(());
        }
        let Some(meta) = cfg.load::<Metadata>() else { return Ok(()) };
        let request = ctx.request();
        let headers: http::HeaderMap = request
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                Some((http::HeaderName::from_bytes(k.as_bytes()).ok()?, http::HeaderValue::from_str(v).ok()?))
            })
            .collect();
        let body = request.body().bytes().unwrap_or_default();
        for (action, resource) in needs(meta.service(), meta.name(), request.uri(), &headers, body) {
            self.record(&action, &resource);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_needs_each_items_action() {
        let body = br#"{"TransactItems":[{"Update":{"TableName":"FlowsTable"}},{"Put":{"TableName":"AccountsTable"}},{"Delete":{"TableName":"FlowsTable"}}]}"#;
        let got = needs("DynamoDB", "TransactWriteItems", "", &http::HeaderMap::new(), body);
        assert_eq!(
            got,
            [
                ("dynamodb:UpdateItem".to_owned(), "FlowsTable".to_owned()),
                ("dynamodb:PutItem".into(), "AccountsTable".into()),
                ("dynamodb:DeleteItem".into(), "FlowsTable".into())
            ]
        );
        let query =
            needs("DynamoDB", "Query", "", &http::HeaderMap::new(), br#"{"TableName":"F","IndexName":"by-owner"}"#);
        assert_eq!(query, [("dynamodb:Query".to_owned(), "F/index/by-owner".to_owned())]);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-amz-copy-source", http::HeaderValue::from_static("/b/tmp/x"));
        let copy = needs("S3", "CopyObject", "http://127.0.0.1:4566/b/cases/y", &headers, b"");
        assert_eq!(
            copy,
            [
                ("s3:GetObject".to_owned(), "b/tmp/x".to_owned()),
                ("s3:PutObject".into(), "b/cases/y".into()),
                ("s3:ListBucket".into(), "b".into())
            ]
        );
        let none = http::HeaderMap::new();
        let read = needs("S3", "GetObject", "http://127.0.0.1:4566/b/tmp/x?x-id=GetObject", &none, b"");
        assert_eq!(read, [("s3:GetObject".to_owned(), "b/tmp/x".to_owned()), ("s3:ListBucket".into(), "b".into())]);
        let versions = b"<Delete><Object><Key>cases/a</Key><VersionId>v1</VersionId></Object></Delete>";
        let erase = needs("S3", "DeleteObjects", "http://127.0.0.1:4566/b?delete", &none, versions);
        assert_eq!(
            erase,
            [("s3:DeleteObject".to_owned(), "b/*".to_owned()), ("s3:DeleteObjectVersion".into(), "b/*".into())]
        );
        let sqs =
            needs("SQS", "SendMessage", "", &http::HeaderMap::new(), br#"{"QueueUrl":"http://h/000/ReviewQueue-1"}"#);
        assert_eq!(sqs, [("sqs:SendMessage".to_owned(), "ReviewQueue-1".to_owned())]);
    }
}
