//! The rules of webhook endpoints: registering, changing, rotating the secret,
//! deleting, and asking for a delivery again. Deliveries themselves are made by the
//! outbox trigger and the worker (`crate::webhooks`).

use std::time::Duration;

use entity::enums::{ActivityType, WebhookDeliveryStatus};
use entity::{tenant, webhook_delivery, webhook_endpoint};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use super::rules::{invalid, valid_text};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result, UserError, UserErrorCode};
use crate::webhooks::{address, new_secret};

/// Endpoints one tenant may register.
pub const MAX_ENDPOINTS: u64 = 20;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 1000;
/// Longest grace period of a rotated secret.
pub const MAX_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);

/// What an endpoint is: the fields of a registration, each optional in a change.
#[derive(Debug, Default)]
pub struct EndpointFields {
    pub url: Option<String>,
    pub description: Option<Option<String>>,
    pub event_types: Option<Vec<ActivityType>>,
    pub enabled: Option<bool>,
}

/// Registers an endpoint; returns it and its secret (shown this once).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    fields: EndpointFields,
    allow_private: bool,
) -> Result<(webhook_endpoint::Model, String)> {
    let url = valid_url(fields.url.as_deref().unwrap_or_default(), allow_private).await?;
    let event_types = valid_types(fields.event_types.as_deref().unwrap_or_default())?;
    let description = valid_text(
        fields.description.flatten().as_deref(),
        "description",
        MAX_DESCRIPTION,
    )?;
    let tx = begin(db).await?;
    // Under the tenant's row lock, so that concurrent registrations count each other.
    tenant::Entity::find_by_id(viewer.tenant.to_string())
        .lock_exclusive()
        .one(&tx)
        .await?;
    let registered = scoped::<webhook_endpoint::Entity>(&viewer.tenant)
        .count(&tx)
        .await?;
    if registered >= MAX_ENDPOINTS {
        return Err(UserError::new(
            UserErrorCode::LimitExceeded,
            &[],
            format!("a tenant may register at most {MAX_ENDPOINTS} webhook endpoints"),
        )
        .into());
    }
    let secret = new_secret();
    let at = now();
    let endpoint = webhook_endpoint::ActiveModel {
        tenant_id: Set(viewer.tenant.to_string()),
        url: Set(url),
        description: Set(description),
        event_types: Set(event_types),
        enabled: Set(fields.enabled.unwrap_or(true)),
        secret: Set(secret.clone()),
        created_by: Set(Some(viewer.agent_id)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    Ok((endpoint, secret))
}

/// Changes what `fields` sets; enabling a disabled endpoint clears why it was.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    fields: EndpointFields,
    allow_private: bool,
) -> Result<webhook_endpoint::Model> {
    let url = match fields.url.as_deref() {
        Some(url) => Some(valid_url(url, allow_private).await?),
        None => None,
    };
    let event_types = fields.event_types.as_deref().map(valid_types).transpose()?;
    let description = fields
        .description
        .map(|text| valid_text(text.as_deref(), "description", MAX_DESCRIPTION))
        .transpose()?;
    let tx = begin(db).await?;
    let found = lock_endpoint(&tx, &viewer.tenant, id).await?;
    let mut endpoint = found.into_active_model();
    if let Some(url) = url {
        endpoint.url = Set(url);
    }
    if let Some(types) = event_types {
        endpoint.event_types = Set(types);
    }
    if let Some(description) = description {
        endpoint.description = Set(description);
    }
    if let Some(enabled) = fields.enabled {
        endpoint.enabled = Set(enabled);
        if enabled {
            endpoint.disabled_at = Set(None);
            endpoint.disabled_reason = Set(None);
        }
    }
    endpoint.updated_at = Set(now());
    let endpoint = endpoint.update(&tx).await?;
    tx.commit().await?;
    Ok(endpoint)
}

/// Deletes an endpoint and its delivery log; returns its id.
pub async fn delete(db: &DatabaseConnection, viewer: &Viewer, id: i64) -> Result<i64> {
    let tx = begin(db).await?;
    let endpoint = lock_endpoint(&tx, &viewer.tenant, id).await?;
    webhook_endpoint::Entity::delete_by_id(endpoint.id)
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(endpoint.id)
}

/// Gives the endpoint a new secret; the current one keeps signing (beside the new)
/// for `grace`. Returns the endpoint and the new secret (shown this once).
pub async fn rotate(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    grace: Duration,
) -> Result<(webhook_endpoint::Model, String)> {
    if grace > MAX_GRACE {
        return Err(invalid(
            &["gracePeriodSeconds"],
            format!("may be at most {} seconds", MAX_GRACE.as_secs()),
        ));
    }
    let tx = begin(db).await?;
    let found = lock_endpoint(&tx, &viewer.tenant, id).await?;
    let secret = new_secret();
    let at = now();
    let previous = found.secret.clone();
    let mut endpoint = found.into_active_model();
    endpoint.secret = Set(secret.clone());
    let keep = !grace.is_zero();
    endpoint.previous_secret = Set(keep.then_some(previous));
    endpoint.previous_secret_expires_at = Set(keep.then(|| at + grace.as_micros() as i64));
    endpoint.updated_at = Set(at);
    let endpoint = endpoint.update(&tx).await?;
    tx.commit().await?;
    Ok((endpoint, secret))
}

/// Posts a delivery again, now, once (no retries after it); the endpoint must be
/// enabled.
pub async fn redeliver(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> Result<webhook_delivery::Model> {
    let tx = begin(db).await?;
    let delivery = scoped::<webhook_delivery::Entity>(&viewer.tenant)
        .filter(webhook_delivery::Column::Id.eq(id))
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or_else(|| Error::NotFound("webhook delivery".into()))?;
    let endpoint = lock_endpoint(&tx, &viewer.tenant, delivery.endpoint_id).await?;
    if !endpoint.enabled {
        return Err(UserError::new(
            UserErrorCode::InvalidState,
            &["deliveryId"],
            "the endpoint is disabled; enable it first",
        )
        .into());
    }
    let at = now();
    let mut delivery = delivery.into_active_model();
    delivery.status = Set(WebhookDeliveryStatus::Pending);
    delivery.next_attempt_at = Set(Some(at));
    delivery.locked_until = Set(None);
    delivery.redelivered_at = Set(Some(at));
    let delivery = delivery.update(&tx).await?;
    tx.commit().await?;
    Ok(delivery)
}

/// The tenant's endpoint `id`, locked for a change.
async fn lock_endpoint(
    tx: &sea_orm::DatabaseTransaction,
    tenant: &str,
    id: i64,
) -> Result<webhook_endpoint::Model> {
    scoped::<webhook_endpoint::Entity>(tenant)
        .filter(webhook_endpoint::Column::Id.eq(id))
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or_else(|| Error::NotFound("webhook endpoint".into()))
}

async fn valid_url(url: &str, allow_private: bool) -> Result<String> {
    address::check(url.trim(), allow_private)
        .await
        .map(String::from)
        .map_err(|why| invalid(&["url"], format!("the URL {why}")))
}

/// The types as stored: a JSON array of their names, each once, in a fixed order.
fn valid_types(types: &[ActivityType]) -> Result<String> {
    if types.is_empty() {
        return Err(invalid(&["eventTypes"], "name at least one event type"));
    }
    let mut names: Vec<String> = types.iter().map(|t| t.to_value()).collect();
    names.sort();
    names.dedup();
    Ok(serde_json::Value::from(names).to_string())
}

/// The endpoint's event types, as stored by [`valid_types`].
pub fn event_types(endpoint: &webhook_endpoint::Model) -> Vec<ActivityType> {
    let names: Vec<String> = serde_json::from_str(&endpoint.event_types).unwrap_or_default();
    names
        .iter()
        .filter_map(|name| ActivityType::try_from_value(name).ok())
        .collect()
}
