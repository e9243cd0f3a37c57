//! `conversations`: one exchange between a contact and the support team.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Channel, ConversationState, Direction, SentimentTrend};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// Per-tenant display number (1, 2, 3...), from the `conversation` tenant counter.
    pub number: i64,
    /// Id in the system the conversation came from; unique within the tenant.
    #[sea_orm(column_type = "Text", nullable)]
    pub external_id: Option<String>,
    pub channel: Channel,
    pub direction: Direction,
    pub state: ConversationState,
    #[sea_orm(column_type = "Text", nullable)]
    pub subject: Option<String>,
    /// BCP 47 language tag such as `en` or `de`.
    #[sea_orm(column_type = "Text", nullable)]
    pub language: Option<String>,
    pub requester_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub assigned_at: Option<i64>,
    pub queue_id: Option<i64>,
    pub queued_at: Option<i64>,
    /// The conversation this one was split from (a linked or side conversation).
    pub parent_id: Option<i64>,
    /// Denormalized id of the newest message (no foreign key).
    pub last_message_id: Option<i64>,
    pub sentiment_trend: Option<SentimentTrend>,
    /// Optimistic concurrency token: starts at 1 and grows with every change.
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub state_updated_at: i64,
    pub closed_at: Option<i64>,
    pub anonymized_at: Option<i64>,
    /// The system of record it came from, e.g. `zendesk`.
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    /// A JSON object of the client's own keys (model, user id...).
    #[sea_orm(column_type = "Text", nullable)]
    pub metadata: Option<String>,
    /// The conversation this one was merged into (then it is CLOSED).
    pub merged_into_id: Option<i64>,
    /// When a snoozed (PENDING) conversation opens again.
    pub snoozed_until: Option<i64>,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    number,
    external_id,
    channel,
    direction,
    state,
    subject,
    language,
    requester_id,
    assignee_id,
    assigned_at,
    queue_id,
    queued_at,
    parent_id,
    last_message_id,
    sentiment_trend,
    version,
    created_at,
    updated_at,
    state_updated_at,
    closed_at,
    anonymized_at,
    source,
    metadata,
    merged_into_id,
    snoozed_until
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenant::Entity",
        from = "Column::TenantId",
        to = "super::tenant::Column::Id",
        on_delete = "Cascade"
    )]
    Tenant,
    #[sea_orm(
        belongs_to = "super::contact::Entity",
        from = "Column::RequesterId",
        to = "super::contact::Column::Id",
        on_delete = "SetNull"
    )]
    Requester,
    #[sea_orm(
        belongs_to = "super::agent::Entity",
        from = "Column::AssigneeId",
        to = "super::agent::Column::Id",
        on_delete = "SetNull"
    )]
    Assignee,
    #[sea_orm(
        belongs_to = "super::queue::Entity",
        from = "Column::QueueId",
        to = "super::queue::Column::Id",
        on_delete = "SetNull"
    )]
    Queue,
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "SetNull"
    )]
    Parent,
    /// Conversations whose parent is this one.
    #[sea_orm(has_many = "Entity", via_rel = "Relation::Parent")]
    LinkedConversations,
    #[sea_orm(has_many = "super::activity::Entity")]
    Activities,
    #[sea_orm(has_many = "super::conversation_attribute_value::Entity")]
    AttributeValues,
    #[sea_orm(has_many = "super::conversation_tag::Entity")]
    ConversationTags,
    #[sea_orm(has_many = "super::message::Entity")]
    Messages,
    #[sea_orm(has_many = "super::note::Entity")]
    Notes,
    #[sea_orm(has_many = "super::rating::Entity")]
    Ratings,
    #[sea_orm(has_many = "super::ticket::Entity")]
    Tickets,
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Requester.def()
    }
}

impl Related<super::agent::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignee.def()
    }
}

impl Related<super::queue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Queue.def()
    }
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activities.def()
    }
}

impl Related<super::conversation_attribute_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AttributeValues.def()
    }
}

impl Related<super::conversation_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConversationTags.def()
    }
}

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl Related<super::note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Notes.def()
    }
}

impl Related<super::rating::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ratings.def()
    }
}

impl Related<super::ticket::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tickets.def()
    }
}

/// Tags reach a conversation through `conversation_tags`.
impl Related<super::tag::Entity> for Entity {
    fn to() -> RelationDef {
        super::conversation_tag::Relation::Tag.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::conversation_tag::Relation::Conversation.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
