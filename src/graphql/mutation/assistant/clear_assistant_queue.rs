//! `clearAssistantQueue`: empty a conversation's queue.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::assistant::clear_queue;

/// Input of `clearAssistantQueue`.
#[derive(InputObject)]
pub struct ClearAssistantQueueInput {
    /// The conversation whose queue to empty.
    pub conversation_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `clearAssistantQueue`.
#[derive(SimpleObject)]
pub struct ClearAssistantQueuePayload {
    /// How many messages the queue held (null when refused).
    pub cleared: Option<i32>,
    /// Why it was not emptied, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct ClearAssistantQueueMutation;

#[Object]
impl ClearAssistantQueueMutation {
    /// Empties a conversation's queue; the run in progress goes on. Needs
    /// `conversation:write`.
    async fn clear_assistant_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation.")] input: ClearAssistantQueueInput,
    ) -> Result<ClearAssistantQueuePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let id = input_id(&input.conversation_id, NodeKind::Conversation)?;
        let (cleared, user_errors) = settle(clear_queue(writer(ctx)?, viewer, id).await)?;
        Ok(ClearAssistantQueuePayload {
            cleared: cleared.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
