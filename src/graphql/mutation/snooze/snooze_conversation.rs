//! `snoozeConversation`: set a conversation aside until a time.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::micros;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::snooze::{Snooze, snooze};

/// Input of `snoozeConversation`.
#[derive(InputObject)]
pub struct SnoozeConversationInput {
    /// The conversation to snooze (OPEN or PENDING).
    pub conversation_id: ID,
    /// When it opens again: in the future, at most a year ahead.
    pub until: DateTime<Utc>,
    /// Refuse with CONFLICT unless the conversation's `updatedAt` is still this.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `snoozeConversation`.
#[derive(SimpleObject)]
pub struct SnoozeConversationPayload {
    /// The conversation, PENDING with `snoozedUntil` set (null when refused).
    pub conversation: Option<Conversation>,
    /// Why it was not snoozed, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct SnoozeConversationMutation;

#[Object]
impl SnoozeConversationMutation {
    /// Snoozes a conversation: it is PENDING until `until`, then OPEN again (also
    /// when the customer writes, or with `unsnoozeConversation`), surviving restarts.
    /// Snoozing again moves the time. A CLOSED conversation is CONVERSATION_CLOSED.
    async fn snooze_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and until when.")] input: SnoozeConversationInput,
    ) -> Result<SnoozeConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let request = Snooze {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            until: micros(input.until),
            expected_updated_at: input.expected_updated_at,
        };
        let (conversation, user_errors) = settle(snooze(writer(ctx)?, viewer, request).await)?;
        Ok(SnoozeConversationPayload {
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
