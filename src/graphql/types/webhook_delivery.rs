//! `WebhookDelivery`: one event on its way to one endpoint, and its attempts.

use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{ActivityType, WebhookDeliveryStatus};
use entity::{activity, webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::activity::Activity;
use super::webhook_endpoint::WebhookEndpoint;
use super::{at, at_opt};
use crate::db::all;
use crate::graphql::{Read, db, row};
use crate::ids::NodeKind;
use crate::webhooks::event;

pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One event posted (or to be posted) to one endpoint. Its `id` is the
/// `webhook-id` header of every attempt, so a receiver can recognise a repeat.
#[Object(guard = "Read::Admin")]
impl WebhookDelivery {
    /// The delivery's global ID, sent as the `webhook-id` header.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::WebhookDelivery.id(self.0.id)
    }

    /// The endpoint it goes to.
    async fn endpoint(&self, ctx: &Context<'_>) -> Result<Option<WebhookEndpoint>> {
        let found = row::<webhook_endpoint::Entity>(ctx, Some(self.0.endpoint_id)).await?;
        Ok(found.map(WebhookEndpoint))
    }

    /// The event's type.
    async fn event_type(&self) -> Option<ActivityType> {
        ActivityType::try_from_value(&self.0.event_type).ok()
    }

    /// The activity entry it announces.
    async fn activity(&self, ctx: &Context<'_>) -> Result<Option<Activity>> {
        let found = row::<activity::Entity>(ctx, Some(self.0.activity_id)).await?;
        Ok(found.map(Activity))
    }

    /// The JSON body posted: `type`, `timestamp` and `data` (the global IDs of what
    /// the event is about).
    async fn payload(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        let found = row::<activity::Entity>(ctx, Some(self.0.activity_id)).await?;
        Ok(found.map(|entry| Json(event(&entry))))
    }

    /// PENDING until an attempt succeeds (DELIVERED) or the retries run out (FAILED).
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status
    }

    /// How many attempts were made.
    async fn attempt_count(&self) -> i32 {
        self.0.attempts
    }

    /// When the next attempt is due (null unless PENDING).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == WebhookDeliveryStatus::Pending)
            .then(|| at_opt(self.0.next_attempt_at))
            .flatten()
    }

    /// The HTTP status of the last attempt's answer.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When the event was queued for the endpoint.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }

    /// When an attempt succeeded.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.delivered_at)
    }

    /// Every attempt, oldest first.
    async fn attempts(&self, ctx: &Context<'_>) -> Result<Vec<WebhookAttempt>> {
        let select = webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::TenantId.eq(&self.0.tenant_id))
            .filter(webhook_attempt::Column::DeliveryId.eq(self.0.id))
            .order_by_asc(webhook_attempt::Column::Id);
        let found = all(db(ctx)?, select).await?;
        Ok(found.into_iter().map(WebhookAttempt::from).collect())
    }
}

/// One post of a delivery and how the endpoint answered.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// When it was posted.
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status of the answer; null when none came (refused, timed out).
    pub status_code: Option<i32>,
    /// How long the endpoint took, in milliseconds.
    pub duration_ms: i32,
    /// Why the attempt failed without an answer, or a note on the answer.
    pub error: Option<String>,
    /// The start of the answer's body (at most 2 KB).
    pub response_body: Option<String>,
}

impl From<webhook_attempt::Model> for WebhookAttempt {
    fn from(row: webhook_attempt::Model) -> Self {
        WebhookAttempt {
            attempted_at: at(row.attempted_at),
            status_code: row.status_code,
            duration_ms: row.duration_ms,
            error: row.error,
            response_body: row.response_body,
        }
    }
}
