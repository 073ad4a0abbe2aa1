//! `GET /v1/review/queue`: how many cases wait and are in review, the oldest's age, and the open
//! cases by due time (a page at a time), flagged overdue or due within a day; filtered by kind,
//! state and due time, or a search for a case id or an account id.

use super::{staff_case_body, StaffCaseAnswer};
use crate::api::{json_response, ApiError, ApiResult};
use crate::api_doc::QueryParam;
use crate::extract::{FromRequest, PageQuery, StaffAuthed};
use crate::AppState;
use chrono::{DateTime, Utc};
use http::StatusCode;
use lambda_http::{Request, RequestExt};
use schemars::JsonSchema;
use serde::Serialize;
use shared::domain::case::CaseKind;
use shared::error::Error;
use shared::usecases::review::{overview, DueFilter, OpenState, QueueFilter};

/// A page of open cases unless the request says how many.
const PAGE: usize = 100;

/// The queue's filters, as the API description lists them.
pub const FILTERS: &[QueryParam] = &[
    QueryParam {
        name: "kind",
        description: "only cases of this kind",
        values: &[
            "phone_rebind",
            "mfa_unbind",
            "identity_mismatch",
            "enterprise_verification",
            "enterprise_rename",
            "enterprise_subject_change",
        ],
    },
    QueryParam {
        name: "state",
        description: "only cases waiting, in review, or waiting on new material from their customers",
        values: &["waiting", "in_review", "awaiting_customer"],
    },
    QueryParam { name: "due", description: "only cases due within a day, or overdue", values: &["soon", "overdue"] },
    QueryParam {
        name: "q",
        description:
            "a case id (that case, whatever its state) or an account id (its cases); the other filters do not apply",
        values: &[],
    },
];

/// The filters of a queue request.
pub struct Filters(QueueFilter);

impl FromRequest for Filters {
    fn from_request(req: &Request) -> Result<Self, ApiError> {
        let query = req.query_string_parameters();
        let pick = |name: &'static str| -> Result<Option<String>, ApiError> {
            let Some(value) = query.first(name).filter(|v| !v.is_empty()) else { return Ok(None) };
            let allowed = FILTERS.iter().find(|f| f.name == name).map(|f| f.values).unwrap_or_default();
            if allowed.is_empty() || allowed.contains(&value) {
                Ok(Some(value.to_owned()))
            } else {
                Err(Error::invalid(name, format!("one of {}", allowed.join(", "))).into())
            }
        };
        let kind = pick("kind")?.and_then(|k| serde_json::from_value::<CaseKind>(serde_json::Value::String(k)).ok());
        let state = pick("state")?.map(|s| match s.as_str() {
            "in_review" => OpenState::InReview,
            "awaiting_customer" => OpenState::AwaitingCustomer,
            _ => OpenState::Waiting,
        });
        let due = pick("due")?.map(|d| if d == "overdue" { DueFilter::Overdue } else { DueFilter::Soon });
        let search = pick("q")?;
        if search.as_ref().is_some_and(|q| q.len() > 64) {
            return Err(Error::invalid("q", "a case id or an account id (at most 64 characters)").into());
        }
        Ok(Filters(QueueFilter { kind, state, due, search }))
    }
}

pub async fn handle(
    state: &AppState,
    StaffAuthed(staff): StaffAuthed,
    Filters(filter): Filters,
    page: PageQuery,
) -> ApiResult {
    let o = overview(&state.services, &staff, &filter, &page.or_size(PAGE)).await?;
    let now = state.services.clock.now();
    let listed: Vec<_> = o.listed.items.iter().map(|c| staff_case_body(state, c, None, false)).collect();
    let answer = QueueAnswer {
        waiting: u64::from(o.counts.waiting),
        in_review: u64::from(o.counts.in_review),
        awaiting_customer: u64::from(o.counts.awaiting_customer),
        counts_complete: o.counts.complete,
        oldest_submitted_at: o.oldest_submitted_at,
        oldest_age_seconds: o.oldest_submitted_at.map(|t| (now - t).num_seconds().max(0).unsigned_abs()),
        open_cases: listed,
        next_cursor: o.listed.next,
    };
    Ok(json_response(StatusCode::OK, &answer))
}

/// The queue at a glance.
#[derive(Serialize, JsonSchema)]
pub struct QueueAnswer {
    /// Open cases waiting for a reviewer (counted cases, not queue messages).
    waiting: u64,
    /// Open cases a reviewer holds.
    in_review: u64,
    /// Open cases waiting on new material a reviewer asked their customers for (not on the queue).
    awaiting_customer: u64,
    /// False when more cases are open than were counted (the first 5000 by due time).
    counts_complete: bool,
    /// The oldest submission of the open cases.
    oldest_submitted_at: Option<DateTime<Utc>>,
    oldest_age_seconds: Option<u64>,
    /// The open cases the filters keep, by due time: this page of them (a search: the cases it
    /// found, whatever their state).
    open_cases: Vec<StaffCaseAnswer>,
    /// The next page's `cursor` (none: this is the last page).
    next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_filter_names_a_kind() {
        let kinds = FILTERS[0].values;
        assert_eq!(kinds.len(), CaseKind::ALL.len());
        for kind in kinds {
            assert!(
                serde_json::from_value::<CaseKind>(serde_json::Value::String((*kind).to_owned())).is_ok(),
                "{kind}"
            );
        }
    }
}
