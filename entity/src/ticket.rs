//! `tickets`: a request to be worked on, optionally part of a conversation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{TicketPriority, TicketStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// Per-tenant display number, from the `ticket` tenant counter.
    pub number: i64,
    /// Id in the system the ticket came from; unique within the tenant.
    #[sea_orm(column_type = "Text", nullable)]
    pub external_id: Option<String>,
    pub conversation_id: Option<i64>,
    /// The system of record, e.g. `zendesk` or `email`.
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    /// Who sent it, usually an email address.
    #[sea_orm(column_type = "Text", nullable)]
    pub sender: Option<String>,
    /// The text as received, greeting and signature included.
    #[sea_orm(column_type = "Text")]
    pub original_text: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub original_html: Option<String>,
    /// The request alone: greeting, quoted replies and signature stripped.
    #[sea_orm(column_type = "Text", nullable)]
    pub cleanest_body: Option<String>,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    pub sla_due_at: Option<i64>,
    /// Whether an AI assistant resolved it without a human.
    pub ai_resolved: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub escalation_reason: Option<String>,
    pub unread: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// A JSON object of what is known of an anonymous requester (plan, locale...).
    #[sea_orm(column_type = "Text", nullable)]
    pub anonymous_traits: Option<String>,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    number,
    external_id,
    conversation_id,
    source,
    sender,
    original_text,
    original_html,
    cleanest_body,
    status,
    priority,
    sla_due_at,
    ai_resolved,
    escalation_reason,
    unread,
    created_at,
    updated_at,
    anonymous_traits
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
        on_delete = "SetNull"
    )]
    Conversation,
    #[sea_orm(has_many = "super::ticket_tag::Entity")]
    TicketTags,
    #[sea_orm(has_many = "super::activity::Entity")]
    Activities,
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

impl Related<super::ticket_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TicketTags.def()
    }
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activities.def()
    }
}

/// Tags reach a ticket through `ticket_tags`.
impl Related<super::tag::Entity> for Entity {
    fn to() -> RelationDef {
        super::ticket_tag::Relation::Tag.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::ticket_tag::Relation::Ticket.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
