//! `untagConversation`: remove a topic label from a conversation.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::tag::Tag;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::conversations::{Tagging, untag};

/// Input of `untagConversation`.
#[derive(InputObject)]
pub struct UntagConversationInput {
    /// The conversation to untag.
    pub conversation_id: ID,
    /// The tag to remove (ACTIVE or INACTIVE).
    pub tag_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `untagConversation`.
#[derive(SimpleObject)]
pub struct UntagConversationPayload {
    /// The conversation as it is now (null when refused).
    pub conversation: Option<Conversation>,
    /// The tag, with its `conversationsCount` as it is now (null when refused).
    pub tag: Option<Tag>,
    /// The removed tag's ID, to drop it from a cached list (null when refused).
    pub removed_tag_id: Option<ID>,
    /// Why the tag was not removed, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UntagConversationMutation;

#[Object]
impl UntagConversationMutation {
    /// Removes a tag from a conversation; inactive tags can be removed too. Removing a
    /// tag the conversation does not have changes nothing. A CLOSED conversation must
    /// be reopened first (CONVERSATION_CLOSED).
    async fn untag_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the tag.")] input: UntagConversationInput,
    ) -> Result<UntagConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let link = Tagging {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            tag_id: input_id(&input.tag_id, NodeKind::Tag)?,
        };
        let (untagged, user_errors) = settle(untag(writer(ctx)?, viewer, link).await)?;
        let (conversation, tag) = untagged.unzip();
        Ok(UntagConversationPayload {
            removed_tag_id: tag.as_ref().map(|t| NodeKind::Tag.id(t.id)),
            conversation: conversation.map(Conversation),
            tag: tag.map(Tag),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
