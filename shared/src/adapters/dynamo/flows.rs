//! The flow store, generic over the flow type: the state is a typed record (serde_dynamo), every
//! transition a write conditional on the version read.

use super::{fault, get_n, keys, n, s, DynamoStore, Item};
use crate::domain::flow::{Flow, Versioned};
use crate::domain::ids::FlowId;
use crate::error::{Error, Result};
use crate::ports::FlowStore;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Update};
use chrono::{DateTime, Duration, SecondsFormat, Utc};

/// How long a finished or expired flow stays readable before DynamoDB's TTL removes it.
const KEEP_AFTER_EXPIRY: Duration = Duration::days(1);

fn ttl_of(expires_at: DateTime<Utc>, deadline: Option<DateTime<Utc>>) -> i64 {
    let last = deadline.map_or(expires_at, |d| d.max(expires_at));
    (last + KEEP_AFTER_EXPIRY).timestamp()
}

fn deadline_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The owner-index and staff-queue attributes a flow has (set) and lacks (removed).
fn listing_attributes<F: Flow>(id: &FlowId, flow: &F) -> (Vec<(&'static str, AttributeValue)>, Vec<&'static str>) {
    let mut set = vec![];
    let mut remove = vec![];
    match flow.owner() {
        Some(owner) => {
            set.push(("list_pk", s(keys::owned_flows(F::KIND, owner))));
            // Unique within the partition (the id after the time), so a page ends exactly.
            set.push(("list_at", s(format!("{}#{id}", deadline_text(flow.listed_at())))));
        }
        None => remove.extend(["list_pk", "list_at"]),
    }
    match (flow.staff_queue(), flow.decided_at()) {
        (Some(due), _) => {
            set.push(("staff_pk", s(keys::staff_queue_of(F::KIND, id))));
            set.push(("staff_at", s(format!("{}#{id}", deadline_text(due)))));
        }
        // Decided: listed in the same index under the day of the decision.
        (None, Some(decided)) => {
            set.push(("staff_pk", s(keys::decided_on(F::KIND, decided.date_naive()))));
            set.push(("staff_at", s(format!("{}#{id}", deadline_text(decided)))));
        }
        (None, None) => remove.extend(["staff_pk", "staff_at"]),
    }
    (set, remove)
}

/// A new flow's item: its state, version 0, TTL and index attributes.
pub(crate) fn flow_item<F: Flow>(id: &FlowId, flow: &F) -> Result<Item> {
    let state = serde_dynamo::to_attribute_value(flow).map_err(fault("encode flow"))?;
    let mut item: Item = [
        ("pk", s(keys::flow(F::KIND, id))),
        ("kind", s(F::KIND.as_str())),
        ("flow_id", s(id.as_str())),
        ("state", state),
        ("version", n(0)),
        ("expires_at", n(flow.expires_at().timestamp())),
        ("ttl", n(ttl_of(flow.expires_at(), flow.deadline()))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(at) = flow.deadline() {
        item.insert("due".into(), s(keys::deadlines_of(F::KIND, id)));
        item.insert("deadline_at".into(), s(deadline_text(at)));
    }
    item.extend(listing_attributes(id, flow).0.into_iter().map(|(k, v)| (k.to_owned(), v)));
    Ok(item)
}

/// A flow item's typed state and version.
pub(crate) fn decode_flow<F: Flow>(item: &super::Item, id: FlowId) -> Result<Versioned<F>> {
    let state = item.get("state").cloned().unwrap_or(AttributeValue::Null(true));
    let flow: F = serde_dynamo::from_attribute_value(state).map_err(fault("decode flow"))?;
    let version = get_n(item, "version").ok_or_else(|| Error::internal("decode flow", "no version"))?;
    let version = u32::try_from(version).map_err(fault("decode flow version"))?;
    Ok(Versioned { id, version, flow })
}

pub(crate) fn deadline_text_of(at: DateTime<Utc>) -> String {
    deadline_text(at)
}

impl DynamoStore {
    /// The conditional update that moves a flow from `current` to `next` (also used inside
    /// transactions that change other items with it).
    pub(crate) fn flow_transition<F: Flow>(&self, current: &Versioned<F>, next: &F) -> Result<Update> {
        let state = serde_dynamo::to_attribute_value(next).map_err(fault("encode flow"))?;
        let mut update = Update::builder()
            .table_name(&self.tables.flows)
            .key("pk", s(keys::flow(F::KIND, &current.id)))
            .condition_expression("attribute_exists(pk) AND version = :v")
            .expression_attribute_values(":state", state)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":v", n(current.version.into()))
            .expression_attribute_values(":expires", n(next.expires_at().timestamp()))
            .expression_attribute_values(":ttl", n(ttl_of(next.expires_at(), next.deadline())));
        let (set, remove) = listing_attributes(&current.id, next);
        let mut sets = vec!["#state = :state", "expires_at = :expires", "#ttl = :ttl"];
        let mut removes = vec![];
        for (name, value) in set {
            update = update.expression_attribute_values(format!(":{name}"), value);
            sets.push(name);
        }
        removes.extend(remove);
        match next.deadline() {
            Some(at) => {
                update = update
                    .expression_attribute_values(":due", s(keys::deadlines_of(F::KIND, &current.id)))
                    .expression_attribute_values(":deadline_at", s(deadline_text(at)));
                sets.extend(["due", "deadline_at"]);
            }
            None => removes.extend(["due", "deadline_at"]),
        }
        let sets: Vec<String> =
            sets.into_iter().map(|a| if a.contains('=') { a.to_owned() } else { format!("{a} = :{a}") }).collect();
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        expression.push_str(" ADD version :one");
        update = update.update_expression(expression);
        update
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#ttl", "ttl")
            .build()
            .map_err(fault("build flow transition"))
    }
}

#[async_trait]
impl<F: Flow> FlowStore<F> for DynamoStore {
    async fn create(&self, id: &FlowId, flow: &F) -> Result<()> {
        let item = flow_item(id, flow)?;
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.tables.flows)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(fault("build flow"))?;
        if self.send_put(put, "store flow").await? {
            Ok(())
        } else {
            Err(Error::internal("store flow", "a flow with this id already exists"))
        }
    }

    async fn load(&self, id: &FlowId) -> Result<Option<Versioned<F>>> {
        let Some(item) = self.get(&self.tables.flows, keys::flow(F::KIND, id), "read flow").await? else {
            return Ok(None);
        };
        decode_flow(&item, id.clone()).map(Some)
    }

    async fn save(&self, current: &Versioned<F>, next: &F) -> Result<bool> {
        let update = self.flow_transition(current, next)?;
        self.send_update(update, "save flow").await
    }
}
