//! `queues`: the inboxes conversations wait in (Billing, Technical Support, ...).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "queues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// Unique within the tenant.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub created_at: i64,
}

crate::from_row::from_row!(id, tenant_id, name, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenant::Entity",
        from = "Column::TenantId",
        to = "super::tenant::Column::Id",
        on_delete = "Cascade"
    )]
    Tenant,
    #[sea_orm(has_many = "super::conversation::Entity")]
    Conversations,
    /// Transfers out of this queue.
    #[sea_orm(has_many = "super::activity::Entity", via_rel = "Relation::FromQueue")]
    TransfersOut,
    /// Transfers into this queue.
    #[sea_orm(has_many = "super::activity::Entity", via_rel = "Relation::ToQueue")]
    TransfersIn,
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl Related<super::conversation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Conversations.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
