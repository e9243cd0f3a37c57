//! `Tag`: a topic label on conversations and tickets.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::enums::TagState;
use entity::tag;

use super::at;
use crate::ids::NodeKind;

pub struct Tag(pub tag::Model);

/// A topic label, unique per tenant regardless of case.
#[Object]
impl Tag {
    /// The tag's global ID.
    pub async fn id(&self) -> ID {
        NodeKind::Tag.id(self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// INACTIVE tags stay on what they label but cannot be added anew.
    async fn state(&self) -> TagState {
        self.0.state
    }

    /// Whether the tag is relevant for reporting.
    async fn relevant(&self) -> bool {
        self.0.relevant
    }

    /// Importance score of the tag.
    async fn score(&self) -> f64 {
        self.0.score
    }

    /// Number of tickets labelled with it.
    async fn tickets_count(&self) -> i64 {
        self.0.tickets_count
    }

    /// Number of conversations labelled with it.
    async fn conversations_count(&self) -> i64 {
        self.0.conversations_count
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }
}
