//! `addMessage`: a new message in a conversation.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use entity::enums::{Direction, MessageRole, Modality};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::message_edge;
use crate::graphql::mutation::{input_id, input_id_opt, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::message::Message;
use crate::graphql::upload::{Upload, files};
use crate::graphql::{attachments, require, writer};
use crate::ids::NodeKind;
use crate::pagination::Cursor;
use crate::service::messages::{NewMessage, add};

/// Input of `addMessage`.
#[derive(InputObject)]
pub struct AddMessageInput {
    /// The conversation to add it to.
    pub conversation_id: ID,
    /// Plain text; derived from `html` when only that is given. One of them must
    /// hold text.
    pub text: Option<String>,
    /// HTML body (at most 100 KB).
    pub html: Option<String>,
    /// Who wrote it; a USER message is the conversation's requester's.
    #[graphql(default_with = "MessageRole::Agent")]
    pub role: MessageRole,
    /// Default: INBOUND for USER messages, OUTBOUND otherwise.
    pub direction: Option<Direction>,
    /// The agent who wrote it (default for AGENT messages: the viewer).
    pub author_agent_id: Option<ID>,
    /// Language code, e.g. `en` (default: the conversation's).
    pub language: Option<String>,
    /// Typed or spoken.
    #[graphql(default_with = "Modality::Text")]
    pub modality: Modality,
    /// The message's id in the system it comes from; unique within the tenant
    /// (DUPLICATE_EXTERNAL_ID).
    pub external_id: Option<String>,
    /// A JSON object of your own keys, e.g. `{"model": "gpt-4o", "userId": 3242}`
    /// (at most 16 KB).
    pub metadata: Option<Json<serde_json::Value>>,
    /// Files to attach, sent as `multipart/form-data` parts (see `Upload`): at most 10
    /// by default, each at most 10 MiB, within the tenant's quota (LIMIT_EXCEEDED
    /// beyond; a file over the size limit fails the whole request with 413).
    pub attachments: Option<Vec<Upload>>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `addMessage`.
#[derive(SimpleObject)]
pub struct AddMessagePayload {
    /// The new message, with its sentiment (null when refused).
    pub message: Option<Message>,
    /// The new message's edge in `Conversation.messages`, to append to a cached list.
    pub message_edge: Option<Edge<Cursor, Message, EmptyFields>>,
    /// The conversation, with its new `lastMessage`, `sentimentTrend` and `updatedAt`.
    pub conversation: Option<Conversation>,
    /// Why the message was not added, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AddMessageMutation;

#[Object]
impl AddMessageMutation {
    /// Adds a message to a conversation, with its attachments; its sentiment and the
    /// conversation's sentiment trend are computed as it is written. A CLOSED
    /// conversation must be reopened first (CONVERSATION_CLOSED).
    async fn add_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message to add.")] input: AddMessageInput,
    ) -> Result<AddMessagePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let new = NewMessage {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            text: input.text,
            html: input.html,
            role: input.role,
            direction: input.direction,
            author_agent_id: input_id_opt(input.author_agent_id.as_ref(), NodeKind::Agent)?,
            language: input.language,
            modality: input.modality,
            external_id: input.external_id,
            metadata: input.metadata.map(|m| m.0),
        };
        let files = files(ctx, input.attachments)?;
        let key = input.idempotency_key.as_deref();
        let outcome = add(writer(ctx)?, attachments(ctx)?, viewer, new, files, key).await;
        let (added, user_errors) = settle(outcome)?;
        let (message, conversation) = added.unzip();
        Ok(AddMessagePayload {
            message_edge: message.as_ref().map(message_edge),
            message: message.map(Message),
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
