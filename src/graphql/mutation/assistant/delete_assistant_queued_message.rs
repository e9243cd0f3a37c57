//! `deleteAssistantQueuedMessage`: take a message out of the queue.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::assistant::delete_queued;

/// Input of `deleteAssistantQueuedMessage`.
#[derive(InputObject)]
pub struct DeleteAssistantQueuedMessageInput {
    /// The queued message.
    pub id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `deleteAssistantQueuedMessage`.
#[derive(SimpleObject)]
pub struct DeleteAssistantQueuedMessagePayload {
    /// The ID of the message taken out (null when refused).
    pub deleted_queued_message_id: Option<ID>,
    /// Why it was not taken out, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct DeleteAssistantQueuedMessageMutation;

#[Object]
impl DeleteAssistantQueuedMessageMutation {
    /// Takes a message out of the queue before its run starts (a message no longer
    /// queued: NOT_FOUND). Needs `conversation:write`.
    async fn delete_assistant_queued_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The queued message.")] input: DeleteAssistantQueuedMessageInput,
    ) -> Result<DeleteAssistantQueuedMessagePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let id = input_id(&input.id, NodeKind::AssistantQueuedMessage)?;
        let (item, user_errors) = settle(delete_queued(writer(ctx)?, viewer, id).await)?;
        Ok(DeleteAssistantQueuedMessagePayload {
            deleted_queued_message_id: item
                .map(|item| NodeKind::AssistantQueuedMessage.id(item.id)),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
