//! `webhook_attempts`: one post of a delivery and how the endpoint answered.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    pub delivery_id: i64,
    pub attempted_at: i64,
    /// The HTTP status; none when no answer came (refused, timed out).
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// The start of the answer's body (at most a few KB).
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    delivery_id,
    attempted_at,
    status_code,
    duration_ms,
    error,
    response_body
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
