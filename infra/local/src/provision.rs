//! Creates the template's tables, buckets and queues in the emulator (idempotent). Local names
//! are the logical ids.

use crate::template::{Table, Template};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, VersioningConfiguration,
};
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::HashMap;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, BoxError> {
    Ok(KeySchemaElement::builder().attribute_name(name).key_type(kind).build()?)
}

fn keys(partition: &str, sort: Option<&String>) -> Result<Vec<KeySchemaElement>, BoxError> {
    let mut out = vec![key(partition, KeyType::Hash)?];
    if let Some(sort) = sort {
        out.push(key(sort, KeyType::Range)?);
    }
    Ok(out)
}

async fn create_table(client: &aws_sdk_dynamodb::Client, table: &Table, name: &str) -> Result<(), BoxError> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(keys(&table.partition_key, table.sort_key.as_ref())?));
    for (name, kind) in &table.attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::from(kind.as_str()))
                .build()?,
        );
    }
    for index in &table.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .set_key_schema(Some(keys(&index.partition_key, index.sort_key.as_ref())?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(index.projection.as_str()))
                        .set_non_key_attributes(
                            (!index.non_key_attributes.is_empty()).then(|| index.non_key_attributes.clone()),
                        )
                        .build(),
                )
                .build()?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    if let Some(ttl) = &table.ttl_attribute {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(TimeToLiveSpecification::builder().attribute_name(ttl).enabled(true).build()?)
            .send()
            .await?;
    }
    Ok(())
}

/// Creates the secret groups (`shared::secrets::GROUPS`, the template's `AWS::SecretsManager::Secret`
/// resources) in the emulator's Secrets Manager, named by their logical ids, with fresh random
/// values; a group that exists already is kept (tests sharing an emulator share its secrets).
pub async fn provision_secrets(sdk: &aws_config::SdkConfig) -> Result<(), BoxError> {
    provision_secrets_named(sdk, "").await.map(|_| ())
}

/// The secret groups once more, each named `<prefix><logical id>` with values of their own (a test
/// app is a deployment of its own: its own pepper and token keys); where they are.
pub async fn provision_secrets_named(
    sdk: &aws_config::SdkConfig,
    prefix: &str,
) -> Result<shared::secrets::SecretIds, BoxError> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let ids = shared::secrets::SecretIds::named(prefix);
    for group in shared::secrets::GROUPS {
        let name = ids.id(group);
        let mut value = serde_json::Map::new();
        for key in group.keys {
            let v = match *key {
                "current_kid" => "local-1".to_owned(),
                "current_key" => shared::crypto::new_token_key(),
                _ => crate::settings::random_secret(),
            };
            value.insert(key.to_string(), v.into());
        }
        if group == shared::secrets::OAUTH {
            for provider in ["wechat", "qq", "weibo"] {
                value.insert(format!("{provider}_client_secret"), crate::settings::random_secret().into());
            }
        }
        let request = client
            .create_secret()
            .name(&name)
            .description(group.about)
            .secret_string(serde_json::Value::Object(value).to_string());
        match request.send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_exists_exception()) => {}
            Err(e) => return Err(aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string().into()),
        }
    }
    Ok(ids)
}

/// Creates everything the template declares that does not exist yet.
pub async fn provision(sdk: &aws_config::SdkConfig, template: &Template) -> Result<(), BoxError> {
    provision_secrets(sdk).await?;
    let dynamo = aws_sdk_dynamodb::Client::new(sdk);
    for table in &template.tables {
        create_table(&dynamo, table, &table.logical_id).await?;
    }
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build());
    for bucket in &template.buckets {
        let name = crate::settings::bucket_name(&bucket.logical_id);
        let mut request = s3.create_bucket().bucket(&name);
        if let Some(region) = sdk.region().map(|r| r.as_ref()).filter(|r| *r != "us-east-1") {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_bucket_already_owned_by_you() || e.is_bucket_already_exists()) => {}
            Err(e) => return Err(e.into()),
        }
        if bucket.versioned {
            let enabled = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
            s3.put_bucket_versioning().bucket(&name).versioning_configuration(enabled).send().await?;
        }
    }
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let mut arns: HashMap<String, String> = HashMap::new();
    // Dead-letter queues first, so redrive policies can name them.
    let mut queues = template.queues.clone();
    queues.sort_by_key(|q| q.dead_letter.is_some());
    for queue in &queues {
        let mut request = sqs.create_queue().queue_name(&queue.logical_id);
        if let Some(v) = queue.visibility_timeout {
            request = request.attributes(QueueAttributeName::VisibilityTimeout, v.to_string());
        }
        if let Some((dlq, max)) = &queue.dead_letter {
            let arn = arns
                .get(dlq)
                .ok_or_else(|| format!("{} names an unknown dead-letter queue {dlq}", queue.logical_id))?;
            request = request.attributes(
                QueueAttributeName::RedrivePolicy,
                format!(r#"{{"deadLetterTargetArn":"{arn}","maxReceiveCount":{max}}}"#),
            );
        }
        let url = request.send().await?.queue_url.unwrap_or_default();
        let attrs =
            sqs.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::QueueArn).send().await?;
        if let Some(arn) = attrs.attributes().and_then(|a| a.get(&QueueAttributeName::QueueArn)) {
            arns.insert(queue.logical_id.clone(), arn.clone());
        }
    }
    Ok(())
}

/// The template's tables once more, each named `<logical id>-<suffix>` (a test that sweeps every
/// due flow of its tables gets tables of its own).
pub async fn provision_tables(sdk: &aws_config::SdkConfig, template: &Template, suffix: &str) -> Result<(), BoxError> {
    let dynamo = aws_sdk_dynamodb::Client::new(sdk);
    for table in &template.tables {
        create_table(&dynamo, table, &format!("{}-{suffix}", table.logical_id)).await?;
    }
    Ok(())
}
