//! `claimConversation`: assign a conversation to an agent.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, input_id_opt, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::conversations::{Claim, claim};

/// Input of `claimConversation`.
#[derive(InputObject)]
pub struct ClaimConversationInput {
    /// The conversation to claim.
    pub conversation_id: ID,
    /// The agent to assign (default: the viewer).
    pub agent_id: Option<ID>,
    /// Take the conversation even when another agent has it (the activity log records who had it).
    /// Concurrent forced claims all succeed, one after another; the last one keeps it.
    #[graphql(default = false)]
    pub force: bool,
    /// Refuse with CONFLICT unless the conversation's `updatedAt` is still this.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `claimConversation`.
#[derive(SimpleObject)]
pub struct ClaimConversationPayload {
    /// The conversation as it is now (null when the claim was refused).
    pub conversation: Option<Conversation>,
    /// Why the claim was refused, if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct ClaimConversationMutation;

#[Object]
impl ClaimConversationMutation {
    /// Assigns a conversation to an agent. Without `force`, a conversation assigned to
    /// someone else is left alone (ALREADY_ASSIGNED); of concurrent claims exactly one wins.
    /// A CLOSED conversation must be reopened first (CONVERSATION_CLOSED).
    async fn claim_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to claim, for whom.")] input: ClaimConversationInput,
    ) -> Result<ClaimConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let claim_input = Claim {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            agent_id: input_id_opt(input.agent_id.as_ref(), NodeKind::Agent)?,
            force: input.force,
            expected_updated_at: input.expected_updated_at,
        };
        let (conversation, user_errors) = settle(claim(writer(ctx)?, viewer, claim_input).await)?;
        Ok(ClaimConversationPayload {
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
