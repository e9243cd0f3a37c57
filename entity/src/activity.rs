//! `activities`: the audit log; one row per change, written in the change's transaction.
//!
//! Which detail columns are set depends on `kind` (e.g. `tag_id` for TAGGED, `from_queue_id`
//! and `to_queue_id` for TRANSFERRED). Agents and queues are referenced twice, so there is no
//! `Related` impl for them: join through `Relation::Actor`, `Relation::Agent`,
//! `Relation::FromQueue` or `Relation::ToQueue`.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ActivityType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// Unset for tenant-wide entries.
    pub conversation_id: Option<i64>,
    /// What happened (column `kind`).
    pub kind: ActivityType,
    /// The agent who did it; unset when the contact or the system did.
    pub actor_id: Option<i64>,
    pub occurred_at: i64,
    /// The agent the entry is about, e.g. who was assigned by CLAIMED.
    pub agent_id: Option<i64>,
    /// The agent the change took the conversation from (a forced claim).
    pub from_agent_id: Option<i64>,
    pub from_queue_id: Option<i64>,
    pub to_queue_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub message_id: Option<i64>,
    pub note_id: Option<i64>,
    pub rating_id: Option<i64>,
    pub ticket_id: Option<i64>,
    /// The other conversation of a merge.
    pub other_conversation_id: Option<i64>,
    /// The webhook endpoint the entry is about (WEBHOOK_ENDPOINT_DISABLED).
    pub webhook_endpoint_id: Option<i64>,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    conversation_id,
    kind,
    actor_id,
    occurred_at,
    agent_id,
    from_agent_id,
    from_queue_id,
    to_queue_id,
    tag_id,
    message_id,
    note_id,
    rating_id,
    ticket_id,
    other_conversation_id,
    webhook_endpoint_id
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
        belongs_to = "super::conversation::Entity",
        from = "Column::ConversationId",
        to = "super::conversation::Column::Id",
        on_delete = "Cascade"
    )]
    Conversation,
    #[sea_orm(
        belongs_to = "super::agent::Entity",
        from = "Column::ActorId",
        to = "super::agent::Column::Id",
        on_delete = "SetNull"
    )]
    Actor,
    #[sea_orm(
        belongs_to = "super::agent::Entity",
        from = "Column::AgentId",
        to = "super::agent::Column::Id",
        on_delete = "SetNull"
    )]
    Agent,
    #[sea_orm(
        belongs_to = "super::queue::Entity",
        from = "Column::FromQueueId",
        to = "super::queue::Column::Id",
        on_delete = "SetNull"
    )]
    FromQueue,
    #[sea_orm(
        belongs_to = "super::queue::Entity",
        from = "Column::ToQueueId",
        to = "super::queue::Column::Id",
        on_delete = "SetNull"
    )]
    ToQueue,
    #[sea_orm(
        belongs_to = "super::tag::Entity",
        from = "Column::TagId",
        to = "super::tag::Column::Id",
        on_delete = "SetNull"
    )]
    Tag,
    #[sea_orm(
        belongs_to = "super::message::Entity",
        from = "Column::MessageId",
        to = "super::message::Column::Id",
        on_delete = "SetNull"
    )]
    Message,
    #[sea_orm(
        belongs_to = "super::note::Entity",
        from = "Column::NoteId",
        to = "super::note::Column::Id",
        on_delete = "SetNull"
    )]
    Note,
    #[sea_orm(
        belongs_to = "super::rating::Entity",
        from = "Column::RatingId",
        to = "super::rating::Column::Id",
        on_delete = "SetNull"
    )]
    Rating,
    #[sea_orm(
        belongs_to = "super::ticket::Entity",
        from = "Column::TicketId",
        to = "super::ticket::Column::Id",
        on_delete = "SetNull"
    )]
    Ticket,
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl Related<super::conversation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Conversation.def()
    }
}

impl Related<super::tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tag.def()
    }
}

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Message.def()
    }
}

impl Related<super::note::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Note.def()
    }
}

impl Related<super::rating::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rating.def()
    }
}

impl Related<super::ticket::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ticket.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
