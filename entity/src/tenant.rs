//! `tenants`: one customer organization; every other row belongs to exactly one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    /// A slug such as `demo` or `tenant-1`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub created_at: i64,
}

crate::from_row::from_row!(id, name, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::activity::Entity")]
    Activities,
    #[sea_orm(has_many = "super::agent::Entity")]
    Agents,
    #[sea_orm(has_many = "super::contact::Entity")]
    Contacts,
    #[sea_orm(has_many = "super::conversation::Entity")]
    Conversations,
    #[sea_orm(has_many = "super::conversation_attribute_value::Entity")]
    ConversationAttributeValues,
    #[sea_orm(has_many = "super::conversation_tag::Entity")]
    ConversationTags,
    #[sea_orm(has_many = "super::custom_attribute_definition::Entity")]
    CustomAttributeDefinitions,
    #[sea_orm(has_many = "super::message::Entity")]
    Messages,
    #[sea_orm(has_many = "super::note::Entity")]
    Notes,
    #[sea_orm(has_many = "super::queue::Entity")]
    Queues,
    #[sea_orm(has_many = "super::rating::Entity")]
    Ratings,
    #[sea_orm(has_many = "super::tag::Entity")]
    Tags,
    #[sea_orm(has_many = "super::tenant_counter::Entity")]
    TenantCounters,
    #[sea_orm(has_many = "super::ticket::Entity")]
    Tickets,
    #[sea_orm(has_many = "super::ticket_tag::Entity")]
    TicketTags,
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activities.def()
    }
}

impl Related<super::agent::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agents.def()
    }
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contacts.def()
    }
}

impl Related<super::conversation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Conversations.def()
    }
}

impl Related<super::conversation_attribute_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConversationAttributeValues.def()
    }
}

impl Related<super::conversation_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConversationTags.def()
    }
}

impl Related<super::custom_attribute_definition::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CustomAttributeDefinitions.def()
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

impl Related<super::queue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Queues.def()
    }
}

impl Related<super::rating::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ratings.def()
    }
}

impl Related<super::tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tags.def()
    }
}

impl Related<super::tenant_counter::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TenantCounters.def()
    }
}

impl Related<super::ticket::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tickets.def()
    }
}

impl Related<super::ticket_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TicketTags.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
