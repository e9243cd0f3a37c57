//! `tags`: topics applied to conversations and tickets.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::TagState;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// `name` lower-cased: makes names unique per tenant regardless of case.
    #[sea_orm(column_type = "Text")]
    pub name_key: String,
    pub state: TagState,
    /// Whether the tag is worth showing in topic analyses.
    pub relevant: bool,
    pub score: f64,
    /// Number of `ticket_tags` rows pointing at the tag.
    pub tickets_count: i64,
    /// Number of `conversation_tags` rows pointing at the tag.
    pub conversations_count: i64,
    pub created_at: i64,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    name,
    name_key,
    state,
    relevant,
    score,
    tickets_count,
    conversations_count,
    created_at
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
    #[sea_orm(has_many = "super::conversation_tag::Entity")]
    ConversationTags,
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

impl Related<super::conversation_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConversationTags.def()
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

/// Conversations reach a tag through `conversation_tags`.
impl Related<super::conversation::Entity> for Entity {
    fn to() -> RelationDef {
        super::conversation_tag::Relation::Conversation.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::conversation_tag::Relation::Tag.def().rev())
    }
}

/// Tickets reach a tag through `ticket_tags`.
impl Related<super::ticket::Entity> for Entity {
    fn to() -> RelationDef {
        super::ticket_tag::Relation::Ticket.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::ticket_tag::Relation::Tag.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
