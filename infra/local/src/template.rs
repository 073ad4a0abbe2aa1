//! Reads what the local environment needs from template.yaml: functions with their binaries and
//! HTTP routes, the authorizer, the HTTP API's CORS configuration, tables, buckets and queues,
//! the functions' global environment references. CloudFormation tags (`!Ref`,
//! `!GetAtt`, `!Sub`) are read as tagged values.

use serde_yaml::Value;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read template: {0}")]
    Io(#[from] std::io::Error),
    #[error("template is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("template: {0}")]
    Shape(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `None` for the `$default` route.
    pub method: Option<String>,
    pub path: Option<String>,
    /// Whether the HTTP API's default authorizer (the session authorizer) runs before the handler.
    pub authorized: bool,
    /// Whether the staff JWT authorizer (`StaffAuthorizer`, the staff user pool) runs instead.
    pub staff: bool,
}

/// The staff routes' JWT authorizer in template.yaml.
pub const STAFF_AUTHORIZER: &str = "StaffAuthorizer";

#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    pub binary: String,
    pub description: Option<String>,
    pub routes: Vec<Route>,
    pub timeout_secs: Option<u64>,
    /// The statements of its inline policies (`Policies: - Statement: [...]`).
    pub statements: Vec<Statement>,
    /// The queue (logical id) its `AWS::Lambda::EventSourceMapping` takes messages from, for a
    /// queue worker.
    pub queue: Option<String>,
    /// The schedule expression of its `ScheduleV2` event, for a scheduled worker.
    pub schedule: Option<String>,
}

/// One IAM policy statement of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub effect: String,
    pub actions: Vec<String>,
    /// The logical ids the resources refer to (`!Ref X`, `!GetAtt X.Arn` -> `X`).
    pub resources: Vec<String>,
}

/// A string or a list of them (`Action`, `Resource`), references read as their logical id.
fn one_or_many(v: Option<&Value>, item: impl Fn(&Value) -> Option<String>) -> Vec<String> {
    match v {
        Some(Value::Sequence(seq)) => seq.iter().filter_map(item).collect(),
        Some(v) => item(v).into_iter().collect(),
        None => vec![],
    }
}

fn statements(props: &Value) -> Vec<Statement> {
    let policies = get(props, "Policies").and_then(Value::as_sequence).into_iter().flatten();
    let statements = policies.filter_map(|p| get(p, "Statement")).filter_map(Value::as_sequence).flatten();
    statements
        .map(|s| Statement {
            effect: text(s, "Effect").unwrap_or_default(),
            actions: one_or_many(get(s, "Action"), |a| a.as_str().map(str::to_owned)),
            resources: one_or_many(get(s, "Resource"), |r| r.as_str().map(str::to_owned).or_else(|| referenced_id(r))),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub partition_key: String,
    pub sort_key: Option<String>,
    pub projection: String,
    /// `INCLUDE` projections: the attributes copied into the index beside the keys.
    pub non_key_attributes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub logical_id: String,
    pub partition_key: String,
    pub sort_key: Option<String>,
    /// (name, type) of every key attribute.
    pub attributes: Vec<(String, String)>,
    pub indexes: Vec<Index>,
    pub ttl_attribute: Option<String>,
    pub billing_mode: Option<String>,
    pub point_in_time_recovery: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub logical_id: String,
    /// Versioning enabled: a deletion leaves the object's versions (the erasure deletes them too).
    pub versioned: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub logical_id: String,
    pub visibility_timeout: Option<u64>,
    /// (dead-letter queue logical id, max receive count)
    pub dead_letter: Option<(String, u64)>,
}

/// The HTTP API's `CorsConfiguration` (under `!If [condition, <configuration>, ...]`, the
/// configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// The parameter whose comma-separated value `AllowOrigins` splits (`!Split [",", !Ref X]`).
    pub origins_parameter: Option<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    pub allow_credentials: bool,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub functions: Vec<Function>,
    /// The binary of the function behind the HTTP API's default authorizer.
    pub authorizer_binary: Option<String>,
    /// The HTTP API's CORS configuration, if any.
    pub cors: Option<Cors>,
    /// The `Globals.Function.Environment.Variables` that are `!Ref <parameter>`: (variable, parameter).
    pub global_env_refs: Vec<(String, String)>,
    pub tables: Vec<Table>,
    pub buckets: Vec<Bucket>,
    pub queues: Vec<Queue>,
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?.get(key)
}

fn text(v: &Value, key: &str) -> Option<String> {
    get(v, key).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// `!GetAtt X.Arn` or `!Ref X` -> `X`.
fn referenced_id(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => t.value.as_str().map(|s| s.split('.').next().unwrap_or(s).to_owned()),
        Value::Mapping(m) => m.get("Fn::GetAtt").or_else(|| m.get("Ref")).and_then(|x| match x {
            Value::String(s) => Some(s.split('.').next().unwrap_or(s).to_owned()),
            Value::Sequence(seq) => seq.first().and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_sequence).into_iter().flatten().filter_map(|x| x.as_str().map(str::to_owned)).collect()
}

/// `CorsConfiguration`, plain or as the first branch of `!If`.
fn cors(v: &Value) -> Cors {
    let config = match v {
        Value::Tagged(t) if t.tag == "If" => t.value.as_sequence().and_then(|s| s.get(1)).unwrap_or(&Value::Null),
        v => v,
    };
    let origins_parameter = match get(config, "AllowOrigins") {
        Some(Value::Tagged(t)) if t.tag == "Split" => {
            t.value.as_sequence().and_then(|s| s.get(1)).and_then(referenced_id)
        }
        _ => None,
    };
    Cors {
        origins_parameter,
        allow_methods: strings(get(config, "AllowMethods")),
        allow_headers: strings(get(config, "AllowHeaders")),
        expose_headers: strings(get(config, "ExposeHeaders")),
        max_age: text(config, "MaxAge").and_then(|m| m.parse().ok()),
        allow_credentials: text(config, "AllowCredentials").as_deref() == Some("true"),
    }
}

fn key_schema(v: Option<&Value>) -> (String, Option<String>) {
    let mut hash = String::new();
    let mut range = None;
    for k in v.and_then(Value::as_sequence).into_iter().flatten() {
        let name = text(k, "AttributeName").unwrap_or_default();
        match text(k, "KeyType").as_deref() {
            Some("HASH") => hash = name,
            Some("RANGE") => range = Some(name),
            _ => {}
        }
    }
    (hash, range)
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        Self::parse(&std::fs::read_to_string(path)?)
    }

    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let doc: Value = serde_yaml::from_str(source)?;
        let resources = get(&doc, "Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| TemplateError::Shape("no Resources".into()))?;
        let globals_timeout = get(&doc, "Globals")
            .and_then(|g| get(g, "Function"))
            .and_then(|f| text(f, "Timeout"))
            .and_then(|t| t.parse().ok());
        let global_env_refs = get(&doc, "Globals")
            .and_then(|g| get(g, "Function"))
            .and_then(|f| get(f, "Environment"))
            .and_then(|e| get(e, "Variables"))
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| match v {
                Value::Tagged(t) if t.tag == "Ref" => Some((k.as_str()?.to_owned(), t.value.as_str()?.to_owned())),
                _ => None,
            })
            .collect();
        let mut template = Template {
            functions: vec![],
            authorizer_binary: None,
            cors: None,
            global_env_refs,
            tables: vec![],
            buckets: vec![],
            queues: vec![],
        };
        let mut authorizer_function = None;
        // The workers' SQS triggers: (function logical id, queue logical id).
        let mut mappings: Vec<(String, String)> = vec![];
        for (id, resource) in resources {
            let id = id.as_str().unwrap_or_default().to_owned();
            let props = get(resource, "Properties").cloned().unwrap_or(Value::Null);
            match text(resource, "Type").as_deref() {
                Some("AWS::Serverless::Function") => {
                    let binary = get(resource, "Metadata")
                        .and_then(|m| get(m, "BuildProperties"))
                        .and_then(|b| text(b, "Binary"))
                        .ok_or_else(|| TemplateError::Shape(format!("{id} has no Metadata.BuildProperties.Binary")))?;
                    let mut routes = vec![];
                    let mut schedule = None;
                    for (_, event) in get(&props, "Events").and_then(Value::as_mapping).into_iter().flatten() {
                        if text(event, "Type").as_deref() == Some("ScheduleV2") {
                            schedule = get(event, "Properties").and_then(|p| text(p, "ScheduleExpression"));
                            continue;
                        }
                        if text(event, "Type").as_deref() != Some("HttpApi") {
                            continue;
                        }
                        let ep = get(event, "Properties").cloned().unwrap_or(Value::Null);
                        let authorizer = get(&ep, "Auth").and_then(|a| text(a, "Authorizer"));
                        let staff = authorizer.as_deref() == Some(STAFF_AUTHORIZER);
                        routes.push(Route {
                            method: text(&ep, "Method").map(|m| m.to_ascii_uppercase()),
                            path: text(&ep, "Path"),
                            authorized: authorizer.is_none(),
                            staff,
                        });
                    }
                    let timeout_secs = text(&props, "Timeout").and_then(|t| t.parse().ok()).or(globals_timeout);
                    template.functions.push(Function {
                        logical_id: id,
                        binary,
                        description: text(&props, "Description"),
                        routes,
                        timeout_secs,
                        statements: statements(&props),
                        // From its event source mapping (below).
                        queue: None,
                        schedule,
                    });
                }
                Some("AWS::Serverless::HttpApi") => {
                    template.cors = get(&props, "CorsConfiguration").map(cors);
                    let auth = get(&props, "Auth");
                    let default = auth.and_then(|a| text(a, "DefaultAuthorizer"));
                    if let (Some(auth), Some(default)) = (auth, default) {
                        authorizer_function = get(auth, "Authorizers")
                            .and_then(|a| get(a, &default))
                            .and_then(|a| get(a, "FunctionArn"))
                            .and_then(referenced_id);
                    }
                }
                Some("AWS::DynamoDB::Table") => {
                    let (partition_key, sort_key) = key_schema(get(&props, "KeySchema"));
                    let attributes = get(&props, "AttributeDefinitions")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            (text(a, "AttributeName").unwrap_or_default(), text(a, "AttributeType").unwrap_or_default())
                        })
                        .collect();
                    let indexes = get(&props, "GlobalSecondaryIndexes")
                        .and_then(Value::as_sequence)
                        .into_iter()
                        .flatten()
                        .map(|g| {
                            let (pk, sk) = key_schema(get(g, "KeySchema"));
                            Index {
                                name: text(g, "IndexName").unwrap_or_default(),
                                partition_key: pk,
                                sort_key: sk,
                                projection: get(g, "Projection")
                                    .and_then(|p| text(p, "ProjectionType"))
                                    .unwrap_or_default(),
                                non_key_attributes: get(g, "Projection")
                                    .and_then(|p| get(p, "NonKeyAttributes"))
                                    .and_then(Value::as_sequence)
                                    .into_iter()
                                    .flatten()
                                    .filter_map(|v| v.as_str().map(str::to_owned))
                                    .collect(),
                            }
                        })
                        .collect();
                    let ttl = get(&props, "TimeToLiveSpecification");
                    let ttl_attribute = ttl
                        .filter(|t| text(t, "Enabled").as_deref() == Some("true"))
                        .and_then(|t| text(t, "AttributeName"));
                    let pitr = get(&props, "PointInTimeRecoverySpecification")
                        .and_then(|p| text(p, "PointInTimeRecoveryEnabled"))
                        .as_deref()
                        == Some("true");
                    template.tables.push(Table {
                        logical_id: id,
                        partition_key,
                        sort_key,
                        attributes,
                        indexes,
                        ttl_attribute,
                        billing_mode: text(&props, "BillingMode"),
                        point_in_time_recovery: pitr,
                    });
                }
                Some("AWS::Lambda::EventSourceMapping") => {
                    let function = get(&props, "FunctionName").and_then(referenced_id);
                    let queue = get(&props, "EventSourceArn").and_then(referenced_id);
                    if let (Some(function), Some(queue)) = (function, queue) {
                        mappings.push((function, queue));
                    }
                }
                Some("AWS::S3::Bucket") => {
                    let versioned = get(&props, "VersioningConfiguration")
                        .is_some_and(|v| text(v, "Status").as_deref() == Some("Enabled"));
                    template.buckets.push(Bucket { logical_id: id, versioned });
                }
                Some("AWS::SQS::Queue") => {
                    let dead_letter = get(&props, "RedrivePolicy").and_then(|r| {
                        let target = get(r, "deadLetterTargetArn").and_then(referenced_id)?;
                        Some((target, text(r, "maxReceiveCount")?.parse().ok()?))
                    });
                    template.queues.push(Queue {
                        logical_id: id,
                        visibility_timeout: text(&props, "VisibilityTimeout").and_then(|t| t.parse().ok()),
                        dead_letter,
                    });
                }
                _ => {}
            }
        }
        for (function, queue) in mappings {
            if let Some(f) = template.functions.iter_mut().find(|f| f.logical_id == function) {
                f.queue = Some(queue);
            }
        }
        if let Some(fid) = authorizer_function {
            template.authorizer_binary =
                template.functions.iter().find(|f| f.logical_id == fid).map(|f| f.binary.clone());
        }
        Ok(template)
    }

    pub fn table(&self, logical_id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.logical_id == logical_id)
    }
}
