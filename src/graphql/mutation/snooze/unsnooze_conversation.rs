//! `unsnoozeConversation`: open a snoozed conversation now.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::snooze::unsnooze;

/// Input of `unsnoozeConversation`.
#[derive(InputObject)]
pub struct UnsnoozeConversationInput {
    /// The snoozed conversation.
    pub conversation_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `unsnoozeConversation`.
#[derive(SimpleObject)]
pub struct UnsnoozeConversationPayload {
    /// The conversation, OPEN again (null when refused).
    pub conversation: Option<Conversation>,
    /// Why it was not woken, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UnsnoozeConversationMutation;

#[Object]
impl UnsnoozeConversationMutation {
    /// Opens a snoozed conversation before its time (UNSNOOZED activity by the
    /// viewer). A conversation that is not snoozed is INVALID_STATE.
    async fn unsnooze_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation to wake.")] input: UnsnoozeConversationInput,
    ) -> Result<UnsnoozeConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let id = input_id(&input.conversation_id, NodeKind::Conversation)?;
        let (conversation, user_errors) = settle(unsnooze(writer(ctx)?, viewer, id).await)?;
        Ok(UnsnoozeConversationPayload {
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
