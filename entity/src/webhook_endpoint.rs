//! `webhook_endpoints`: where a tenant's events are posted, signed with `secret`
//! (and `previous_secret` until `previous_secret_expires_at`, after a rotation).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// A JSON array of ActivityType names; the outbox matches `"NAME"` in it.
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    pub enabled: bool,
    /// `whsec_` and the base64 of the key.
    #[sea_orm(column_type = "Text")]
    #[serde(skip)]
    pub secret: String,
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip)]
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<i64>,
    pub disabled_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    pub last_success_at: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    url,
    description,
    event_types,
    enabled,
    secret,
    previous_secret,
    previous_secret_expires_at,
    disabled_at,
    disabled_reason,
    last_success_at,
    created_by,
    created_at,
    updated_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
