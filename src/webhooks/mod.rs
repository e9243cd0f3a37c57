//! Outbound webhooks: a tenant's events posted to the endpoints it registered.
//!
//! The outbox is a table: a trigger on `activities` inserts one delivery per
//! subscribed endpoint in the transaction of the change (see the migration
//! `m20261204_000026_webhooks`). The [`worker`] of every replica claims due
//! deliveries under a lease and posts them, signed as the Standard Webhooks
//! specification says, retrying on failure for about a day.

pub mod address;
pub mod worker;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use entity::activity;
use rand::RngCore;
use serde_json::{Map, Value, json};

use crate::graphql::types::at;
use crate::ids::NodeKind;

/// A new signing secret: `whsec_` and the base64 of 32 random bytes, the form
/// Standard Webhooks libraries take.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The `webhook-signature` header: a `v1,<base64 HMAC-SHA256>` of
/// `{id}.{timestamp}.{body}` per secret, space-separated (during a rotation's grace
/// period both the new and the previous secret sign).
pub fn signature(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|secret| {
            standardwebhooks::Webhook::new(secret)
                .and_then(|hook| hook.sign(id, timestamp, body))
                .ok()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The JSON posted for an activity: `type` (the ActivityType), `timestamp` (when it
/// happened) and `data`, the entry's global ID and the global IDs of what it is
/// about, named as the Activity type's fields are (`conversationId` for
/// `conversation`, ...). Ids only: the receiver reads what it needs through the API
/// with its own token, so an event never carries data its reader could not see, and
/// an anonymized conversation leaves no copy of its text in the outbox.
pub fn event(entry: &activity::Model) -> Value {
    let mut data = Map::new();
    data.insert("id".into(), json!(NodeKind::Activity.id(entry.id)));
    let refs = [
        (
            "conversationId",
            NodeKind::Conversation,
            entry.conversation_id,
        ),
        ("actorId", NodeKind::Agent, entry.actor_id),
        ("agentId", NodeKind::Agent, entry.agent_id),
        ("fromAgentId", NodeKind::Agent, entry.from_agent_id),
        ("fromQueueId", NodeKind::Queue, entry.from_queue_id),
        ("toQueueId", NodeKind::Queue, entry.to_queue_id),
        ("tagId", NodeKind::Tag, entry.tag_id),
        ("messageId", NodeKind::Message, entry.message_id),
        ("noteId", NodeKind::Note, entry.note_id),
        ("ratingId", NodeKind::Rating, entry.rating_id),
        ("ticketId", NodeKind::Ticket, entry.ticket_id),
        (
            "otherConversationId",
            NodeKind::Conversation,
            entry.other_conversation_id,
        ),
        (
            "webhookEndpointId",
            NodeKind::WebhookEndpoint,
            entry.webhook_endpoint_id,
        ),
    ];
    for (name, kind, key) in refs {
        if let Some(key) = key {
            data.insert(name.into(), json!(kind.id(key)));
        }
    }
    json!({
        "type": entry.kind,
        "timestamp": at(entry.occurred_at).to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    })
}
