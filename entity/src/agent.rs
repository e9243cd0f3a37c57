//! `agents`: members of a tenant's support team.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AgentRole;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "agents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Unique within the tenant.
    #[sea_orm(column_type = "Text")]
    pub email: String,
    pub role: AgentRole,
    pub created_at: i64,
}

crate::from_row::from_row!(id, tenant_id, name, email, role, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenant::Entity",
        from = "Column::TenantId",
        to = "super::tenant::Column::Id",
        on_delete = "Cascade"
    )]
    Tenant,
    /// Conversations assigned to the agent.
    #[sea_orm(has_many = "super::conversation::Entity")]
    AssignedConversations,
    /// Messages the agent wrote.
    #[sea_orm(has_many = "super::message::Entity")]
    Messages,
    /// Internal notes the agent wrote.
    #[sea_orm(has_many = "super::note::Entity")]
    Notes,
    /// Ratings given about the agent's work.
    #[sea_orm(has_many = "super::rating::Entity")]
    Ratings,
    /// Activity entries the agent performed.
    #[sea_orm(has_many = "super::activity::Entity", via_rel = "Relation::Actor")]
    ActivitiesAsActor,
    /// Activity entries about the agent (e.g. the agent claimed).
    #[sea_orm(has_many = "super::activity::Entity", via_rel = "Relation::Agent")]
    ActivitiesAsSubject,
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl Related<super::conversation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssignedConversations.def()
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

impl ActiveModelBehavior for ActiveModel {}
