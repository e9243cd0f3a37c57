//! `tenant_counters`: the last display number handed out per tenant and sequence.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Name of the counter behind `conversations.number`.
pub const CONVERSATION: &str = "conversation";
/// Name of the counter behind `tickets.number`.
pub const TICKET: &str = "ticket";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "tenant_counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub tenant_id: String,
    /// [`CONVERSATION`] or [`TICKET`].
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub name: String,
    /// The last number handed out (0 before the first).
    pub value: i64,
}

crate::from_row::from_row!(tenant_id, name, value);

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
