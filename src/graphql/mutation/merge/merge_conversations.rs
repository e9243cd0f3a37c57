//! `mergeConversations`: one customer's two conversations become one.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::merge::{Merge, merge};

/// Input of `mergeConversations`.
#[derive(InputObject)]
pub struct MergeConversationsInput {
    /// The conversation that is merged away: it closes and points at the target.
    pub source_id: ID,
    /// The conversation that is kept (OPEN or PENDING).
    pub target_id: ID,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `mergeConversations`.
#[derive(SimpleObject)]
pub struct MergeConversationsPayload {
    /// The merged conversation, now CLOSED with `mergedInto` set (null when refused).
    pub source: Option<Conversation>,
    /// The kept conversation with everything moved into it (null when refused).
    pub target: Option<Conversation>,
    /// Why the merge was refused, if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct MergeConversationsMutation;

#[Object]
impl MergeConversationsMutation {
    /// Merges the source conversation into the target, as Zendesk and Front merge
    /// tickets: the source's messages, notes, tickets and tags move to the target,
    /// and custom attribute values the target has none of; the source is CLOSED with
    /// `mergedInto` set and keeps its activity and ratings. Both get a MERGED
    /// activity naming the other. A source merged before, a target merged into
    /// another, or an anonymized one is INVALID_STATE; a CLOSED target is
    /// CONVERSATION_CLOSED.
    async fn merge_conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversations to merge.")] input: MergeConversationsInput,
    ) -> Result<MergeConversationsPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let request = Merge {
            source_id: input_id(&input.source_id, NodeKind::Conversation)?,
            target_id: input_id(&input.target_id, NodeKind::Conversation)?,
        };
        let outcome = merge(
            writer(ctx)?,
            viewer,
            request,
            input.idempotency_key.as_deref(),
        )
        .await;
        let (merged, user_errors) = settle(outcome)?;
        let (source, target) = merged.unzip();
        Ok(MergeConversationsPayload {
            source: source.map(Conversation),
            target: target.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
