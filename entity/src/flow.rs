//! `flows`: the tenant's telephony and messaging flows (IVR menus, routing scripts),
//! as the contact-center API lists them; conversations of a channel enter through one.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::Channel;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "flows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// Unique within the tenant.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub channel: Channel,
    /// The phone number or address the flow answers, e.g. `+559912443333`.
    #[sea_orm(column_type = "Text", nullable)]
    pub contact_endpoint_id: Option<String>,
    pub created_at: i64,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    name,
    channel,
    contact_endpoint_id,
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
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
