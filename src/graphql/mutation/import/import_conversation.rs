//! `importConversation`: a conversation from another system, with its history.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{Channel, ConversationState, Direction, MessageRole, Modality};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::conversation_edge;
use crate::graphql::mutation::{input_id_opt, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::micros;
use crate::graphql::{require, writer};
use crate::ids::{NodeKind, decode_as};
use crate::pagination::Cursor;
use crate::service::import::{Import, ImportedMessage, import};

/// One message of an imported conversation.
#[derive(InputObject)]
pub struct ImportMessageInput {
    /// Plain text; derived from `html` when only that is given.
    pub text: Option<String>,
    /// HTML body (at most 100 KB).
    pub html: Option<String>,
    /// Who wrote it; a USER message is the requester's.
    #[graphql(default_with = "MessageRole::User")]
    pub role: MessageRole,
    /// Default: INBOUND for USER messages, OUTBOUND otherwise.
    pub direction: Option<Direction>,
    /// The agent who wrote an AGENT message (an unknown one is reported as NOT_FOUND
    /// for this message only).
    pub author_agent_id: Option<ID>,
    /// When it was sent, kept as given; not before the conversation's `createdAt`
    /// (default: the conversation's `createdAt`).
    pub created_at: Option<DateTime<Utc>>,
    /// The message's id in the system it comes from; unique within the tenant.
    pub external_id: Option<String>,
    /// Language code, e.g. `en` (default: the conversation's).
    pub language: Option<String>,
    /// Typed or spoken.
    #[graphql(default_with = "Modality::Text")]
    pub modality: Modality,
    /// The reader's rating of the message: -1 (bad), 0 (neutral) or 1 (good).
    pub rating: Option<i32>,
    /// A JSON object of your own keys, e.g. `{"model": "gpt-4o"}` (at most 16 KB).
    pub metadata: Option<Json<serde_json::Value>>,
}

/// Input of `importConversation`.
#[derive(InputObject)]
pub struct ImportConversationInput {
    /// Id in the system the conversation comes from; unique within the tenant.
    pub external_id: Option<String>,
    /// Subject line (at most 1000 characters).
    pub subject: Option<String>,
    /// Where the conversation took place.
    #[graphql(default_with = "Channel::Api")]
    pub channel: Channel,
    /// Who started it.
    #[graphql(default_with = "Direction::Inbound")]
    pub direction: Direction,
    /// Language code, e.g. `en`.
    pub language: Option<String>,
    /// Its state (default: CLOSED when `closedAt` is given, OPEN otherwise).
    pub state: Option<ConversationState>,
    /// The customer who asked (a Contact); or give `requesterEmail`.
    pub requester_id: Option<ID>,
    /// The customer's email: the tenant's contact with it (ignoring case), or a new contact.
    pub requester_email: Option<String>,
    /// The agent it is assigned to (since `createdAt`).
    pub assignee_id: Option<ID>,
    /// The queue it is in (since `createdAt`).
    pub queue_id: Option<ID>,
    /// When it was created, kept as given (default: now).
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed, kept as given (default: the latest of `createdAt`, the
    /// last message and `closedAt`).
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was closed, for a CLOSED conversation (default: its last message).
    pub closed_at: Option<DateTime<Utc>>,
    /// The system of record it comes from, e.g. `zendesk` (at most 200 characters).
    pub source: Option<String>,
    /// A JSON object of your own keys, e.g. `{"model": "gpt-4o", "userId": 3242}`
    /// (at most 16 KB).
    pub metadata: Option<Json<serde_json::Value>>,
    /// Its messages, in any order (at most 1000). A bad message is reported in
    /// `userErrors` under its index and left out; the others are kept.
    #[graphql(default)]
    pub messages: Vec<ImportMessageInput>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `importConversation`.
#[derive(SimpleObject)]
pub struct ImportConversationPayload {
    /// The imported conversation (null when the import was refused as a whole).
    pub conversation: Option<Conversation>,
    /// The conversation's edge in `conversations`, to insert into a cached list.
    pub conversation_edge: Option<Edge<Cursor, Conversation, EmptyFields>>,
    /// How many messages were imported.
    pub imported_messages: i32,
    /// What was refused: the whole import, or single messages (field
    /// `["input", "messages", "<index>", ...]`) while the rest was kept.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct ImportConversationMutation;

#[Object]
impl ImportConversationMutation {
    /// Imports a conversation with its messages, assignment and original timestamps.
    /// Problems with single messages are reported as userErrors while the rest is kept.
    async fn import_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation to import.")] input: ImportConversationInput,
    ) -> Result<ImportConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let messages = input
            .messages
            .into_iter()
            .map(|m| ImportedMessage {
                text: m.text,
                html: m.html,
                role: m.role,
                direction: m.direction,
                // Reported per message: one bad id must not fail the whole import.
                author_agent_id: m.author_agent_id.map(|id| decode_as(&id, NodeKind::Agent)),
                created_at: m.created_at.map(micros),
                external_id: m.external_id,
                language: m.language,
                modality: m.modality,
                rating: m.rating,
                metadata: m.metadata.map(|m| m.0),
            })
            .collect();
        let request = Import {
            external_id: input.external_id,
            subject: input.subject,
            channel: input.channel,
            direction: input.direction,
            language: input.language,
            state: input.state,
            requester_id: input_id_opt(input.requester_id.as_ref(), NodeKind::Contact)?,
            requester_email: input.requester_email,
            assignee_id: input_id_opt(input.assignee_id.as_ref(), NodeKind::Agent)?,
            queue_id: input_id_opt(input.queue_id.as_ref(), NodeKind::Queue)?,
            created_at: input.created_at.map(micros),
            updated_at: input.updated_at.map(micros),
            closed_at: input.closed_at.map(micros),
            source: input.source,
            metadata: input.metadata.map(|m| m.0),
            messages,
        };
        let outcome = import(
            writer(ctx)?,
            viewer,
            request,
            input.idempotency_key.as_deref(),
        )
        .await;
        let (imported, mut user_errors) = settle(outcome)?;
        let (conversation, count) = match imported {
            Some(imported) => {
                user_errors.extend(imported.problems);
                (Some(imported.conversation), imported.imported)
            }
            None => (None, 0),
        };
        Ok(ImportConversationPayload {
            conversation_edge: conversation.as_ref().map(conversation_edge),
            conversation: conversation.map(Conversation),
            imported_messages: i32::try_from(count).unwrap_or(i32::MAX),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
