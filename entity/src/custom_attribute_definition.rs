//! `custom_attribute_definitions`: the extra fields a tenant defines on conversations.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AttributeKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "custom_attribute_definitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// Machine name such as `order_id`; unique within the tenant.
    #[sea_orm(column_type = "Text")]
    pub identifier: String,
    /// Human name such as `Order ID`.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub kind: AttributeKind,
    /// JSON array of the allowed values of a SELECT; `[]` for TEXT.
    #[sea_orm(column_type = "Text")]
    pub options: String,
    pub created_at: i64,
}

crate::from_row::from_row!(id, tenant_id, identifier, name, kind, options, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenant::Entity",
        from = "Column::TenantId",
        to = "super::tenant::Column::Id",
        on_delete = "Cascade"
    )]
    Tenant,
    #[sea_orm(has_many = "super::conversation_attribute_value::Entity")]
    Values,
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl Related<super::conversation_attribute_value::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Values.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
