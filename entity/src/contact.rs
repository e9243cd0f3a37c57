//! `contacts`: the customers who talk to a tenant's support team.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// The contact's id in the tenant's CRM; unique within the tenant.
    #[sea_orm(column_type = "Text", nullable)]
    pub external_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub first_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub organization_name: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub organization_domain: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub avatar_url: Option<String>,
    pub anonymized_at: Option<i64>,
    pub created_at: i64,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    external_id,
    email,
    first_name,
    last_name,
    organization_name,
    organization_domain,
    avatar_url,
    anonymized_at,
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
    /// Conversations the contact requested.
    #[sea_orm(has_many = "super::conversation::Entity")]
    Conversations,
    /// Messages the contact wrote.
    #[sea_orm(has_many = "super::message::Entity")]
    Messages,
    /// Ratings the contact gave.
    #[sea_orm(has_many = "super::rating::Entity")]
    Ratings,
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

impl Related<super::message::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Messages.def()
    }
}

impl Related<super::rating::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ratings.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
