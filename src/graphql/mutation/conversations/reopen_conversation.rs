//! `reopenConversation`: bring a closed conversation back.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, input_id_opt, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::conversations::{StateChange, reopen};

/// Input of `reopenConversation`.
#[derive(InputObject)]
pub struct ReopenConversationInput {
    /// The conversation to reopen.
    pub conversation_id: ID,
    /// Refuse with CONFLICT unless the conversation's `updatedAt` is still this.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// The agent to reopen it for (the activity log names them as the actor), e.g. a
    /// supervisor's tool or an integration acting for an agent. Needs the `admin`
    /// scope; an unknown agent is NOT_FOUND.
    pub on_behalf_of: Option<ID>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `reopenConversation`.
#[derive(SimpleObject)]
pub struct ReopenConversationPayload {
    /// The conversation as it is now (null when refused).
    pub conversation: Option<Conversation>,
    /// Why the conversation was not reopened, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct ReopenConversationMutation;

#[Object]
impl ReopenConversationMutation {
    /// Reopens a CLOSED conversation (state OPEN, `closedAt` cleared) and offers it
    /// again in its queue, or the tenant's default (oldest) queue if it has none, to
    /// nobody yet: the assignee is released and `queuedAt` becomes now. Reopening one
    /// that is not closed is INVALID_STATE.
    async fn reopen_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to reopen.")] input: ReopenConversationInput,
    ) -> Result<ReopenConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let change = StateChange {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            expected_updated_at: input.expected_updated_at,
            on_behalf_of: input_id_opt(input.on_behalf_of.as_ref(), NodeKind::Agent)?,
        };
        if change.on_behalf_of.is_some() {
            viewer.require(Scope::Admin)?;
        }
        let (conversation, user_errors) = settle(reopen(writer(ctx)?, viewer, change).await)?;
        Ok(ReopenConversationPayload {
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
