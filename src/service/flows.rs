//! The rules of flows: names unique per tenant (the unique index decides, also
//! between concurrent requests), a channel, and the endpoint they answer.

use entity::enums::Channel;
use entity::flow;
use sea_orm::{ActiveModelTrait, DatabaseConnection, NotSet, Set};
use serde::{Deserialize, Serialize};

use super::idempotency::{self, Key};
use super::rules::{MAX_NAME, find_in, invalid, valid_text};
use super::{begin, now};
use crate::auth::Viewer;
use crate::error::Result;

/// What `create` is asked to make.
#[derive(Debug, Serialize)]
pub struct NewFlow {
    pub name: String,
    pub channel: Channel,
    pub contact_endpoint_id: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Created {
    flow: i64,
}

/// Creates a flow (idempotently when the client sends a key); a name another flow
/// of the tenant has is DUPLICATE_NAME.
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewFlow,
    idempotency_key: Option<&str>,
) -> Result<flow::Model> {
    let key = Key::new(idempotency_key, "createFlow", &input)?;
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    if let Some(key) = &key
        && let Some(Created { flow }) = idempotency::reserve(&tx, viewer, key).await?
    {
        return find_in::<flow::Entity>(&tx, tenant, flow, "flow").await;
    }
    let Some(name) = valid_text(Some(&input.name), "name", MAX_NAME)? else {
        return Err(invalid(&["name"], "a flow needs a name"));
    };
    let endpoint = valid_text(
        input.contact_endpoint_id.as_deref(),
        "contactEndpointId",
        MAX_NAME,
    )?;
    let created = flow::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_owned()),
        name: Set(name),
        channel: Set(input.channel),
        contact_endpoint_id: Set(endpoint),
        created_at: Set(now()),
    }
    .insert(&tx)
    .await?;
    if let Some(key) = &key {
        idempotency::remember(&tx, viewer, key, &Created { flow: created.id }).await?;
    }
    tx.commit().await?;
    Ok(created)
}
