//! Appending to the audit log, inside the transaction of the change it records.

use entity::activity;
use entity::enums::ActivityType;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, NotSet, Set};

use super::now;
use crate::auth::Viewer;
use crate::error::Result;

/// The typed details of an entry; unset fields stay null.
#[derive(Debug, Default, Clone)]
pub struct Detail {
    pub agent_id: Option<i64>,
    pub from_agent_id: Option<i64>,
    pub from_queue_id: Option<i64>,
    pub to_queue_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub message_id: Option<i64>,
    pub note_id: Option<i64>,
    pub rating_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub other_conversation_id: Option<i64>,
    pub webhook_endpoint_id: Option<i64>,
}

/// Appends one entry by the viewer.
pub async fn record(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    conversation_id: Option<i64>,
    kind: ActivityType,
    detail: Detail,
) -> Result<activity::Model> {
    let actor = Some(viewer.agent_id);
    record_as(tx, &viewer.tenant, actor, conversation_id, kind, detail).await
}

/// Appends one entry of `tenant` by `actor`; `None` is the system (a timer).
pub async fn record_as(
    tx: &DatabaseTransaction,
    tenant: &str,
    actor: Option<i64>,
    conversation_id: Option<i64>,
    kind: ActivityType,
    detail: Detail,
) -> Result<activity::Model> {
    let entry = activity::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_owned()),
        conversation_id: Set(conversation_id),
        kind: Set(kind),
        actor_id: Set(actor),
        occurred_at: Set(now()),
        agent_id: Set(detail.agent_id),
        from_agent_id: Set(detail.from_agent_id),
        from_queue_id: Set(detail.from_queue_id),
        to_queue_id: Set(detail.to_queue_id),
        tag_id: Set(detail.tag_id),
        message_id: Set(detail.message_id),
        note_id: Set(detail.note_id),
        rating_id: Set(detail.rating_id),
        ticket_id: Set(detail.ticket_id),
        other_conversation_id: Set(detail.other_conversation_id),
        webhook_endpoint_id: Set(detail.webhook_endpoint_id),
    };
    Ok(entry.insert(tx).await?)
}
