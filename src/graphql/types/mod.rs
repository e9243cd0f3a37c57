//! One module per node type of the graph.

pub mod activity;
pub mod agent;
pub mod assistant_queued_message;
pub mod assistant_run;
pub mod attachment;
pub mod contact;
pub mod conversation;
pub mod custom_attribute;
pub mod flow;
pub mod message;
pub mod node;
pub mod note;
pub mod queue;
pub mod rating;
pub mod tag;
pub mod ticket;
pub mod viewer;
pub mod voice_session;
pub mod webhook_delivery;
pub mod webhook_endpoint;

use chrono::{DateTime, Utc};

/// A stored timestamp (microseconds since the epoch) as a GraphQL `DateTime`.
pub fn at(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// An optional stored timestamp.
pub fn at_opt(micros: Option<i64>) -> Option<DateTime<Utc>> {
    micros.map(at)
}

/// A stored JSON object (a TEXT column) as a GraphQL `JSON` value; a column that
/// does not hold JSON (it always does: the services write it) reads as null.
pub fn json(text: Option<&str>) -> Option<async_graphql::Json<serde_json::Value>> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .map(async_graphql::Json)
}

/// A client's `DateTime` as a stored timestamp.
pub fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}
