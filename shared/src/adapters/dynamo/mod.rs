//! The DynamoDB adapter: one store over the three tables, implementing the store ports.
//! Every cap and uniqueness rule is a condition in the same write as the change.

mod accounts;
mod busy;
mod cases;
mod changes;
mod codes;
mod deletion;
mod deliveries;
mod enterprise;
mod flows;
mod keys;
mod kyc;
mod passkeys;
mod passport;
mod security;
mod sessions;
mod sign_in;
mod steps;
mod sub_users;
mod third_party;
mod tx;

use crate::error::{Cause, Error};
use crate::tables::TableNames;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub type Item = HashMap<String, AttributeValue>;

/// The guard of a write sent alone ([`DynamoStore::write_once`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Alone {
    /// The write's own condition.
    Condition,
}

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    tables: TableNames,
}

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames) -> Self {
        DynamoStore { client, tables }
    }
}

impl DynamoStore {
    /// Sends one conditional write (a `Put`, `Update`, `Delete` or `ConditionCheck` item) on its
    /// own: `false` when its condition failed. It goes as a transaction of one item so that a
    /// retry after a lost answer is answered with the first result (its `ClientRequestToken`)
    /// instead of failing the condition its own first application changed.
    pub(crate) async fn write_once(
        &self,
        item: aws_sdk_dynamodb::types::TransactWriteItem,
        context: &'static str,
    ) -> Result<bool, Error> {
        match self.commit(tx::Tx::new().item(Alone::Condition, item)).await {
            Ok(Ok(())) => Ok(true),
            Ok(Err(cancelled)) => Ok(!cancelled.failed(Alone::Condition)),
            Err(e) => Err(e.in_context(context)),
        }
    }

    /// Sends a built `Put` on its own ([`Self::write_once`]): `false` when its condition failed.
    pub(crate) async fn send_put(&self, p: aws_sdk_dynamodb::types::Put, context: &'static str) -> Result<bool, Error> {
        self.write_once(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(p).build(), context).await
    }

    /// Sends a built `Update` on its own ([`Self::write_once`]): `false` when its condition failed.
    pub(crate) async fn send_update(
        &self,
        u: aws_sdk_dynamodb::types::Update,
        context: &'static str,
    ) -> Result<bool, Error> {
        self.write_once(aws_sdk_dynamodb::types::TransactWriteItem::builder().update(u).build(), context).await
    }

    /// Adds one to the item's `attempts` if `condition` (which may use `:max`) holds: the new
    /// count, or `None` when the condition failed. Caps on attempts rest on this.
    pub(crate) async fn count_attempt(
        &self,
        table: &str,
        pk: String,
        condition: &str,
        max: u32,
        context: &'static str,
    ) -> Result<Option<u32>, Error> {
        let values = HashMap::from([(":max".to_owned(), n(max.into()))]);
        let counted = self.count_once(table, pk, condition, values, context).await?.ok();
        Ok(counted.and_then(|item| get_n(&item, "attempts")).and_then(|a| u32::try_from(a).ok()))
    }

    /// Adds one to the item's `attempts` if `condition` holds (`values` are its placeholders):
    /// the item as it is after, or (`Err`) the item as it was when the condition failed. Counted once per call even
    /// when the SDK sends it again after a lost answer: the item keeps the tokens of the requests
    /// it counted (as many as the cap allows at most), a repeat is refused by its own token and
    /// the old item, returned with the refusal, shows it was counted.
    pub(crate) async fn count_once(
        &self,
        table: &str,
        pk: String,
        condition: &str,
        values: HashMap<String, AttributeValue>,
        context: &'static str,
    ) -> Result<std::result::Result<Item, Option<Item>>, Error> {
        let token = format!("{:032x}", rand::random::<u128>());
        let result = self
            .client
            .update_item()
            .table_name(table)
            .key("pk", s(pk))
            .update_expression("ADD attempts :one SET counted = list_append(if_not_exists(counted, :none), :mine)")
            .condition_expression(format!("({condition}) AND NOT contains(counted, :token)"))
            .set_expression_attribute_values(Some(values))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":none", AttributeValue::L(vec![]))
            .expression_attribute_values(":mine", AttributeValue::L(vec![s(token.clone())]))
            .expression_attribute_values(":token", s(token.clone()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .return_values_on_condition_check_failure(
                aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        match result {
            Ok(out) => Ok(Ok(out.attributes.unwrap_or_default())),
            Err(e) => match e.into_service_error() {
                aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(ccf) => {
                    let old = ccf.item;
                    let mine = old
                        .as_ref()
                        .and_then(|i| i.get("counted"))
                        .and_then(|c| c.as_l().ok())
                        .is_some_and(|c| c.iter().any(|t| t.as_s().is_ok_and(|t| *t == token)));
                    Ok(match old {
                        Some(old) if mine => Ok(old),
                        old => Err(old),
                    })
                }
                other => Err(busy::store_error(context, other)),
            },
        }
    }

    /// Every item a query finds, page after page.
    pub(crate) async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        context: &'static str,
    ) -> Result<Vec<Item>, Error> {
        let mut items = vec![];
        let mut start = None;
        loop {
            let out = query.clone().set_exclusive_start_key(start).send().await.map_err(store_fault(context))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    /// One item by its key, strongly consistent.
    pub(crate) async fn get(
        &self,
        table: &str,
        pk: impl Into<String>,
        context: &'static str,
    ) -> Result<Option<Item>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(store_fault(context))?;
        Ok(out.item)
    }
}

impl DynamoStore {
    /// Items by key from one or more tables in one request (`BatchGetItem`), each read strongly
    /// consistent; what DynamoDB leaves unprocessed (throttling) is asked for again. The items
    /// found, in no particular order (each carries its `pk`).
    pub(crate) async fn batch_get(&self, wanted: &[(&str, String)], context: &'static str) -> Result<Vec<Item>, Error> {
        let mut keys: HashMap<String, Vec<Item>> = HashMap::new();
        for (table, pk) in wanted {
            keys.entry((*table).to_owned()).or_default().push(HashMap::from([("pk".to_string(), s(pk.clone()))]));
        }
        let mut by_table = HashMap::new();
        for (table, keys) in keys {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(fault(context))?;
            by_table.insert(table, request);
        }
        let mut items = vec![];
        let mut pending = Some(by_table);
        for _ in 0..MAX_UNPROCESSED_ROUNDS {
            let Some(request) = pending.take().filter(|r| !r.is_empty()) else { return Ok(items) };
            let out = self
                .client
                .batch_get_item()
                .set_request_items(Some(request))
                .send()
                .await
                .map_err(store_fault(context))?;
            items.extend(out.responses.unwrap_or_default().into_values().flatten());
            pending = out.unprocessed_keys;
        }
        Err(Error::internal(context, "keys left unprocessed"))
    }
}

/// How often a batch read asks again for the keys DynamoDB left unprocessed.
const MAX_UNPROCESSED_ROUNDS: usize = 8;

/// Counts the requests a client sends (each retry too), in all and by operation
/// (`BatchGetItem`, `TransactWriteItems`, ...): benchmarks and tests read it to hold the number
/// and kind of DynamoDB round trips per use case.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    total: Arc<AtomicU64>,
    by_operation: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl RequestCounter {
    pub fn get(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// The requests so far by operation name.
    pub fn by_operation(&self) -> BTreeMap<String, u64> {
        self.by_operation.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.total.fetch_add(1, Ordering::Relaxed);
        let operation = cfg.load::<Metadata>().map_or("unknown", Metadata::name).to_owned();
        *self.by_operation.lock().unwrap_or_else(PoisonError::into_inner).entry(operation).or_default() += 1;
        Ok(())
    }
}

/// A DynamoDB client for the loaded AWS configuration, counting its requests (and recording
/// them when asked: [`crate::adapters::calls`]).
pub fn client(
    sdk: &aws_config::SdkConfig,
    counter: &RequestCounter,
    recorder: Option<&crate::adapters::calls::CallRecorder>,
) -> Client {
    let mut config = aws_sdk_dynamodb::config::Builder::from(sdk)
        .retry_config(busy::retry_config())
        .retry_partition(busy::retry_partition())
        .retry_classifier(busy::RetryBusy)
        .interceptor(counter.clone());
    if let Some(recorder) = recorder {
        config = config.interceptor(recorder.clone());
    }
    Client::from_conf(config.build())
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn get_s<'a>(item: &'a Item, key: &str) -> Option<&'a str> {
    item.get(key).and_then(|v| v.as_s().ok()).map(String::as_str)
}

pub(crate) fn get_n(item: &Item, key: &str) -> Option<i64> {
    item.get(key).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

pub(crate) fn fault<E>(context: &'static str) -> impl FnOnce(E) -> Error
where
    E: Into<Cause>,
{
    move |e| Error::internal(context, e)
}

/// A failed request to DynamoDB: `TRY_AGAIN` when the table or item stayed busy, otherwise a fault.
pub(crate) fn store_fault<E>(context: &'static str) -> impl FnOnce(E) -> Error
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + Into<Cause>,
{
    move |e| busy::store_error(context, e)
}

/// For a cancelled transaction: which items failed their condition (by position, read only by
/// [`DynamoStore::commit`], which names them by their guards), with the item as it was when
/// DynamoDB returned it. `Err` for any other failure: `TRY_AGAIN` when it was cancelled for a
/// conflict or throttling that outlasted the retries (its conditions unknown).
fn cancelled_items<R>(err: SdkError<TransactWriteItemsError, R>) -> Result<Vec<Option<Option<Item>>>, Error>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(service) => match service.into_err() {
            TransactWriteItemsError::TransactionCanceledException(cancel)
                if busy::busy_reasons(cancel.cancellation_reasons().iter().map(|r| r.code())) =>
            {
                Err(Error::TryAgain { context: "dynamodb transaction", cause: cancel.into() })
            }
            TransactWriteItemsError::TransactionCanceledException(cancel) => Ok(cancel
                .cancellation_reasons()
                .iter()
                .map(|r| (r.code() == Some("ConditionalCheckFailed")).then(|| r.item().cloned()))
                .collect()),
            other => Err(busy::store_error("dynamodb transaction", other)),
        },
        other => Err(busy::store_error("dynamodb transaction", other)),
    }
}

/// `true` when a conditional write happened, `false` when its condition did not hold.
pub(crate) fn written<T, E, R>(
    result: std::result::Result<T, SdkError<E, R>>,
    context: &'static str,
) -> Result<bool, Error>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().and_then(|s| s.code()) == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(busy::store_error(context, e)),
    }
}
