//! `enqueueAssistantMessage`: put a message in a conversation's queue.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::assistant_queued_message::AssistantQueuedMessage;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::assistant::enqueue;

/// Input of `enqueueAssistantMessage`.
#[derive(InputObject)]
pub struct EnqueueAssistantMessageInput {
    /// The open conversation whose queue it joins.
    pub conversation_id: ID,
    /// The message (at most 16 KB).
    pub content: String,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `enqueueAssistantMessage`.
#[derive(SimpleObject)]
pub struct EnqueueAssistantMessagePayload {
    /// The queued message (null when refused).
    pub queued_message: Option<AssistantQueuedMessage>,
    /// Why it was not queued (LIMIT_EXCEEDED: the queue holds 20).
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct EnqueueAssistantMessageMutation;

#[Object]
impl EnqueueAssistantMessageMutation {
    /// Puts a message at the end of a conversation's queue: it is answered after
    /// the run in progress and the messages before it (with no run going, it waits
    /// for the next one `askAssistant` starts). Needs `conversation:write`.
    async fn enqueue_assistant_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the message.")] input: EnqueueAssistantMessageInput,
    ) -> Result<EnqueueAssistantMessagePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let id = input_id(&input.conversation_id, NodeKind::Conversation)?;
        let (item, user_errors) = settle(enqueue(writer(ctx)?, viewer, id, &input.content).await)?;
        Ok(EnqueueAssistantMessagePayload {
            queued_message: item.map(AssistantQueuedMessage),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
