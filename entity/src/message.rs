//! `messages`: what the contact and the team said in a conversation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Direction, MessageRole, Modality};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    pub conversation_id: i64,
    pub direction: Direction,
    pub role: MessageRole,
    /// Set when an agent wrote the message.
    pub author_agent_id: Option<i64>,
    /// Set when the contact wrote the message.
    pub author_contact_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub html: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub external_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub language: Option<String>,
    pub modality: Modality,
    /// From -1 (negative) to 1 (positive).
    pub sentiment: Option<f64>,
    pub created_at: i64,
    pub anonymized_at: Option<i64>,
    /// How sure the language detection is of `language`, 0 to 1; None when the
    /// language was given by the client or could not be detected.
    pub language_confidence: Option<f64>,
    /// The reader's verdict on the message: -1 (bad), 0 (neutral) or 1 (good).
    pub rating: Option<i32>,
    /// A JSON object of the client's own keys (model, user id...).
    #[sea_orm(column_type = "Text", nullable)]
    pub metadata: Option<String>,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    conversation_id,
    direction,
    role,
    author_agent_id,
    author_contact_id,
    text,
    html,
    external_id,
    language,
    modality,
    sentiment,
    created_at,
    anonymized_at,
    language_confidence,
    rating,
    metadata
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
        from = "Column::AuthorAgentId",
        to = "super::agent::Column::Id",
        on_delete = "SetNull"
    )]
    AuthorAgent,
    #[sea_orm(
        belongs_to = "super::contact::Entity",
        from = "Column::AuthorContactId",
        to = "super::contact::Column::Id",
        on_delete = "SetNull"
    )]
    AuthorContact,
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

impl Related<super::agent::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuthorAgent.def()
    }
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuthorContact.def()
    }
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activities.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
