//! `assistant_queue`: messages waiting for the assistant while a run is in progress,
//! answered in `id` order.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "assistant_queue")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    pub conversation_id: i64,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// The agent who queued it.
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    conversation_id,
    content,
    created_by,
    created_at,
    updated_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
