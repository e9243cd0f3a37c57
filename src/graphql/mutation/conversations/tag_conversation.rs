//! `tagConversation`: label a conversation with a topic.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::conversation_tag_edge;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::tag::Tag;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::pagination::Cursor;
use crate::service::conversations::{Tagging, tag};

/// Input of `tagConversation`.
#[derive(InputObject)]
pub struct TagConversationInput {
    /// The conversation to tag.
    pub conversation_id: ID,
    /// The tag to add; it must be ACTIVE.
    pub tag_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `tagConversation`.
#[derive(SimpleObject)]
pub struct TagConversationPayload {
    /// The conversation as it is now (null when refused).
    pub conversation: Option<Conversation>,
    /// The tag, with its `conversationsCount` as it is now (null when refused).
    pub tag: Option<Tag>,
    /// The tag's edge in `Conversation.tags`, to insert into a cached list.
    pub tag_edge: Option<Edge<Cursor, Tag, EmptyFields>>,
    /// Why the tag was not added, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct TagConversationMutation;

#[Object]
impl TagConversationMutation {
    /// Adds a tag to a conversation. An INACTIVE tag cannot be added (TAG_INACTIVE);
    /// adding a tag the conversation already has changes nothing. A CLOSED
    /// conversation must be reopened first (CONVERSATION_CLOSED).
    async fn tag_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the tag.")] input: TagConversationInput,
    ) -> Result<TagConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let link = Tagging {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            tag_id: input_id(&input.tag_id, NodeKind::Tag)?,
        };
        let (tagged, user_errors) = settle(tag(writer(ctx)?, viewer, link).await)?;
        let Some(tagged) = tagged else {
            return Ok(TagConversationPayload {
                conversation: None,
                tag: None,
                tag_edge: None,
                user_errors,
                client_mutation_id: input.client_mutation_id,
            });
        };
        Ok(TagConversationPayload {
            conversation: Some(Conversation(tagged.conversation)),
            tag_edge: Some(conversation_tag_edge(&tagged.tag, &tagged.link)),
            tag: Some(Tag(tagged.tag)),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
