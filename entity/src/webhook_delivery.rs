//! `webhook_deliveries`: the outbox, one row per event and endpoint, written in the
//! transaction of the change; `locked_until` is the lease of the worker posting it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::WebhookDeliveryStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    pub endpoint_id: i64,
    pub activity_id: i64,
    #[sea_orm(column_type = "Text")]
    pub event_type: String,
    pub status: WebhookDeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<i64>,
    pub locked_until: Option<i64>,
    pub last_status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Set by `redeliverWebhook`: the delivery gets one more attempt, no retries.
    pub redelivered_at: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    endpoint_id,
    activity_id,
    event_type,
    status,
    attempts,
    next_attempt_at,
    locked_until,
    last_status_code,
    last_error,
    redelivered_at,
    created_at,
    delivered_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
