//! `conversation_attribute_values`: a conversation's value for one custom attribute.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "conversation_attribute_values")]
pub struct Model {
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub conversation_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub definition_id: i64,
    /// The value of a TEXT attribute.
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    /// JSON array of the chosen options of a SELECT attribute; `[]` otherwise.
    #[sea_orm(column_type = "Text")]
    pub values: String,
    pub updated_at: i64,
}

crate::from_row::from_row!(
    tenant_id,
    conversation_id,
    definition_id,
    text,
    values,
    updated_at
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
        belongs_to = "super::custom_attribute_definition::Entity",
        from = "Column::DefinitionId",
        to = "super::custom_attribute_definition::Column::Id",
        on_delete = "Cascade"
    )]
    Definition,
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

impl Related<super::custom_attribute_definition::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Definition.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
