//! Opaque global IDs: `base64url("Type:key")`. Clients never parse them; the server
//! treats every decoding failure as "not found".

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};

/// The node types that have global IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Activity,
    AssistantQueuedMessage,
    AssistantRun,
    Agent,
    Attachment,
    Contact,
    Conversation,
    CustomAttributeDefinition,
    Flow,
    Message,
    Note,
    Queue,
    Rating,
    Tag,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
}

impl NodeKind {
    const ALL: [NodeKind; 17] = [
        NodeKind::Activity,
        NodeKind::AssistantQueuedMessage,
        NodeKind::AssistantRun,
        NodeKind::Agent,
        NodeKind::Attachment,
        NodeKind::Contact,
        NodeKind::Conversation,
        NodeKind::CustomAttributeDefinition,
        NodeKind::Flow,
        NodeKind::Message,
        NodeKind::Note,
        NodeKind::Queue,
        NodeKind::Rating,
        NodeKind::Tag,
        NodeKind::Ticket,
        NodeKind::WebhookDelivery,
        NodeKind::WebhookEndpoint,
    ];

    /// The GraphQL type name, which is also the prefix inside the ID.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Activity => "Activity",
            NodeKind::AssistantQueuedMessage => "AssistantQueuedMessage",
            NodeKind::AssistantRun => "AssistantRun",
            NodeKind::Agent => "Agent",
            NodeKind::Attachment => "Attachment",
            NodeKind::Contact => "Contact",
            NodeKind::Conversation => "Conversation",
            NodeKind::CustomAttributeDefinition => "CustomAttributeDefinition",
            NodeKind::Flow => "Flow",
            NodeKind::Message => "Message",
            NodeKind::Note => "Note",
            NodeKind::Queue => "Queue",
            NodeKind::Rating => "Rating",
            NodeKind::Tag => "Tag",
            NodeKind::Ticket => "Ticket",
            NodeKind::WebhookDelivery => "WebhookDelivery",
            NodeKind::WebhookEndpoint => "WebhookEndpoint",
        }
    }

    /// The global ID of the row `key` of this type.
    pub fn id(self, key: i64) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", self.name())))
    }
}

/// Decodes any global ID; `None` for anything that is not one of ours.
pub fn decode(id: &str) -> Option<(NodeKind, i64)> {
    if id.len() > 128 {
        return None;
    }
    let raw = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (name, key) = text.split_once(':')?;
    let kind = NodeKind::ALL.into_iter().find(|k| k.name() == name)?;
    let parsed: i64 = key.parse().ok()?;
    // Only the canonical spelling is an ID: no sign, no leading zeros.
    (parsed > 0 && parsed.to_string() == key).then_some((kind, parsed))
}

/// Decodes an ID that must be of `kind`; `None` when it is not.
pub fn decode_as(id: &str, kind: NodeKind) -> Option<i64> {
    decode(id).and_then(|(k, key)| (k == kind).then_some(key))
}

/// Decodes the IDs of a filter argument; one that is not of `kind` is BAD_USER_INPUT.
pub fn filter_ids(ids: &[ID], kind: NodeKind, field: &str) -> Result<Vec<i64>> {
    ids.iter()
        .map(|id| {
            decode_as(id, kind).ok_or_else(|| {
                let shown = id.as_str().get(..40).unwrap_or(id.as_str());
                Error::bad_input(format!(
                    "`{field}` contains `{shown}`, which is not a {} ID",
                    kind.name()
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let id = NodeKind::Conversation.id(42);
        assert_eq!(decode(&id), Some((NodeKind::Conversation, 42)));
        assert_eq!(decode_as(&id, NodeKind::Ticket), None);
        for bad in [
            "",
            "x",
            "Q29udmVyc2F0aW9uOg",
            "Q29udmVyc2F0aW9uOi0x",
            "!!",
            "Q29udmVyc2F0aW9uOjA0Mg",
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
