//! `createConversation`: a new conversation, optionally with its first message.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{Channel, Direction, MessageRole};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::conversation_edge;
use crate::graphql::mutation::{input_id_opt, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::micros;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::pagination::Cursor;
use crate::service::conversations::{FirstMessage, NewConversation, create};

/// The first message of a new conversation.
#[derive(InputObject)]
pub struct CreateConversationMessageInput {
    /// Plain text; derived from `html` when only that is given.
    pub text: Option<String>,
    /// HTML body (at most 100 KB).
    pub html: Option<String>,
    /// Who wrote it (default: USER for an INBOUND conversation, AGENT for an OUTBOUND one).
    /// A USER message is the requester's, an AGENT message the viewer's.
    pub role: Option<MessageRole>,
    /// Default: INBOUND for USER messages, OUTBOUND otherwise.
    pub direction: Option<Direction>,
}

/// Input of `createConversation`.
#[derive(InputObject)]
pub struct CreateConversationInput {
    /// Subject line (at most 1000 characters).
    pub subject: Option<String>,
    /// Where the conversation takes place.
    #[graphql(default_with = "Channel::Api")]
    pub channel: Channel,
    /// Who starts it: the customer (INBOUND) or the team (OUTBOUND).
    #[graphql(default_with = "Direction::Inbound")]
    pub direction: Direction,
    /// Language code, e.g. `en`.
    pub language: Option<String>,
    /// Id in the system the conversation comes from; unique within the tenant
    /// (DUPLICATE_EXTERNAL_ID).
    pub external_id: Option<String>,
    /// The customer who asks (a Contact).
    pub requester_id: Option<ID>,
    /// The queue to route it to.
    pub queue_id: Option<ID>,
    /// The conversation this one is a side conversation of.
    pub parent_id: Option<ID>,
    /// The first message.
    pub message: Option<CreateConversationMessageInput>,
    /// When it started, for history loaded from another system; not in the future
    /// (default: now). The first message is dated the same. To load a closed
    /// conversation with its whole history, use `importConversation`.
    pub created_at: Option<DateTime<Utc>>,
    /// The system of record it comes from, e.g. `zendesk` (at most 200 characters).
    pub source: Option<String>,
    /// A JSON object of your own keys, e.g. `{"model": "gpt-4o", "userId": 3242}`
    /// (at most 16 KB).
    pub metadata: Option<Json<serde_json::Value>>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `createConversation`.
#[derive(SimpleObject)]
pub struct CreateConversationPayload {
    /// The new conversation (null when refused).
    pub conversation: Option<Conversation>,
    /// The new conversation's edge in `conversations`, to insert into a cached list.
    pub conversation_edge: Option<Edge<Cursor, Conversation, EmptyFields>>,
    /// Why the conversation was not created, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct CreateConversationMutation;

#[Object]
impl CreateConversationMutation {
    /// Creates an OPEN conversation with the tenant's next number and, optionally, its
    /// first message. An external id used by another conversation is DUPLICATE_EXTERNAL_ID.
    async fn create_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation to create.")] input: CreateConversationInput,
    ) -> Result<CreateConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let new = NewConversation {
            subject: input.subject,
            channel: input.channel,
            direction: input.direction,
            language: input.language,
            external_id: input.external_id,
            requester_id: input_id_opt(input.requester_id.as_ref(), NodeKind::Contact)?,
            queue_id: input_id_opt(input.queue_id.as_ref(), NodeKind::Queue)?,
            parent_id: input_id_opt(input.parent_id.as_ref(), NodeKind::Conversation)?,
            message: input.message.map(|m| FirstMessage {
                text: m.text,
                html: m.html,
                role: m.role,
                direction: m.direction,
            }),
            created_at: input.created_at.map(micros),
            source: input.source,
            metadata: input.metadata.map(|m| m.0),
        };
        let outcome = create(writer(ctx)?, viewer, new, input.idempotency_key.as_deref()).await;
        let (conversation, user_errors) = settle(outcome)?;
        Ok(CreateConversationPayload {
            conversation_edge: conversation.as_ref().map(conversation_edge),
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
