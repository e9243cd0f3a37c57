//! `updateAssistantQueuedMessage`: change a queued message's text.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::assistant_queued_message::AssistantQueuedMessage;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::assistant::edit_queued;

/// Input of `updateAssistantQueuedMessage`.
#[derive(InputObject)]
pub struct UpdateAssistantQueuedMessageInput {
    /// The queued message.
    pub id: ID,
    /// Its new text (at most 16 KB).
    pub content: String,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `updateAssistantQueuedMessage`.
#[derive(SimpleObject)]
pub struct UpdateAssistantQueuedMessagePayload {
    /// The queued message with its new text (null when refused).
    pub queued_message: Option<AssistantQueuedMessage>,
    /// Why it was not changed, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UpdateAssistantQueuedMessageMutation;

#[Object]
impl UpdateAssistantQueuedMessageMutation {
    /// Changes the text of a message still in the queue (one whose run started is
    /// no longer there: NOT_FOUND). Needs `conversation:write`.
    async fn update_assistant_queued_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The queued message and its new text.")]
        input: UpdateAssistantQueuedMessageInput,
    ) -> Result<UpdateAssistantQueuedMessagePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let id = input_id(&input.id, NodeKind::AssistantQueuedMessage)?;
        let (item, user_errors) =
            settle(edit_queued(writer(ctx)?, viewer, id, &input.content).await)?;
        Ok(UpdateAssistantQueuedMessagePayload {
            queued_message: item.map(AssistantQueuedMessage),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
