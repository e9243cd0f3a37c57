//! `transferConversation`: move a conversation to another queue.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::conversations::{Transfer, transfer};

/// Input of `transferConversation`.
#[derive(InputObject)]
pub struct TransferConversationInput {
    /// The conversation to move.
    pub conversation_id: ID,
    /// The queue to move it to.
    pub queue_id: ID,
    /// Refuse with CONFLICT unless the conversation's `updatedAt` is still this.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `transferConversation`.
#[derive(SimpleObject)]
pub struct TransferConversationPayload {
    /// The conversation as it is now (null when refused).
    pub conversation: Option<Conversation>,
    /// Why the conversation was not moved, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct TransferConversationMutation;

#[Object]
impl TransferConversationMutation {
    /// Moves a conversation to a queue: it is offered there to nobody yet (the
    /// assignee is released, `queuedAt` becomes now; the activity log records both
    /// queues and the released agent). Moving an unassigned conversation to its own
    /// queue changes nothing. A CLOSED conversation must be reopened first
    /// (CONVERSATION_CLOSED).
    async fn transfer_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to move, and where.")] input: TransferConversationInput,
    ) -> Result<TransferConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let request = Transfer {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            queue_id: input_id(&input.queue_id, NodeKind::Queue)?,
            expected_updated_at: input.expected_updated_at,
        };
        let (conversation, user_errors) = settle(transfer(writer(ctx)?, viewer, request).await)?;
        Ok(TransferConversationPayload {
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
