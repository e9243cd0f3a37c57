//! `WebhookEndpoint`: where a tenant's events are posted.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::{ActivityType, WebhookDeliveryStatus};
use entity::{webhook_delivery, webhook_endpoint};
use sea_orm::{ColumnTrait, Order, QueryFilter};

use super::webhook_delivery::WebhookDelivery;
use super::{at, at_opt};
use crate::db::scoped;
use crate::graphql::{Read, list};
use crate::ids::NodeKind;
use crate::pagination::{Conn, PageRequest};
use crate::service::webhooks::event_types;

pub struct WebhookEndpoint(pub webhook_endpoint::Model);

/// A URL the tenant's events are posted to, as JSON signed per the Standard
/// Webhooks specification (`webhook-id`, `webhook-timestamp` and
/// `webhook-signature` headers). Needs the `admin` scope. The secret is shown once,
/// in the payload of `createWebhookEndpoint` and `rotateWebhookEndpointSecret`.
#[Object(guard = "Read::Admin")]
impl WebhookEndpoint {
    /// The endpoint's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::WebhookEndpoint.id(self.0.id)
    }

    /// Where events are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }

    /// What the endpoint is for, for people.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The events posted to it.
    async fn event_types(&self) -> Vec<ActivityType> {
        event_types(&self.0)
    }

    /// Whether events are posted to it. An endpoint whose deliveries failed for a
    /// whole retry schedule (about a day) is disabled: see `disabledReason`.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// When it was disabled after repeated failure (null when enabled, or disabled
    /// by a person).
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.disabled_at)
    }

    /// Why it was disabled after repeated failure.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }

    /// Until when the previous secret also signs, after a rotation.
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .previous_secret_expires_at
            .filter(|until| *until > crate::service::now())
            .map(at)
    }

    /// When it last answered a delivery with a 2xx status.
    async fn last_success_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.last_success_at)
    }

    /// When it was registered.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        at(self.0.updated_at)
    }

    /// The delivery log, newest first: one delivery per event, with its attempts.
    /// Deliveries are kept 30 days.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only deliveries in this state.")] status: Option<WebhookDeliveryStatus>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<WebhookDelivery>> {
        let page = PageRequest::new(first, after, last, before)?;
        let sort = [webhook_delivery::Column::Id, webhook_delivery::Column::Id];
        page.check_cursors_for(&sort)?;
        let mut select = scoped::<webhook_delivery::Entity>(&self.0.tenant_id)
            .filter(webhook_delivery::Column::EndpointId.eq(self.0.id));
        if let Some(status) = status {
            select = select.filter(webhook_delivery::Column::Status.eq(status));
        }
        Ok(list(ctx, select, sort, Order::Desc, &page, WebhookDelivery).await?)
    }
}
