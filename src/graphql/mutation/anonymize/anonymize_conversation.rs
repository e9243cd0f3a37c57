//! `anonymizeConversation`: erase a conversation's personal data for good.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::{attachments, require, writer};
use crate::ids::NodeKind;
use crate::service::anonymize::{AnonymizeConversation, conversation};

/// Input of `anonymizeConversation`.
#[derive(InputObject)]
pub struct AnonymizeConversationInput {
    /// The conversation to anonymize.
    pub conversation_id: ID,
    /// Close an OPEN or PENDING conversation first; without it such a conversation is
    /// refused with INVALID_STATE.
    #[graphql(default = false)]
    pub force: bool,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `anonymizeConversation`.
#[derive(SimpleObject)]
pub struct AnonymizeConversationPayload {
    /// The conversation as it is now, with `anonymizedAt` set (null when refused).
    pub conversation: Option<Conversation>,
    /// Why the conversation was not anonymized, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AnonymizeConversationMutation;

#[Object]
impl AnonymizeConversationMutation {
    /// Irreversibly replaces the personal text of a CLOSED conversation: its subject,
    /// message text and HTML, notes, tickets' text and sender, rating comments and
    /// TEXT attribute values, which also leave the search index; the attachments of
    /// its messages and notes are deleted, files included. The conversation is
    /// detached from its requester and the contacts who wrote in it (`requester` and
    /// message authors become null); the contacts themselves, shared with their other
    /// conversations, stay as they are: erasing a person is `anonymizeContact`. Ids,
    /// rows, links and counts stay. Running it again changes nothing.
    async fn anonymize_conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to anonymize.")] input: AnonymizeConversationInput,
    ) -> Result<AnonymizeConversationPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let request = AnonymizeConversation {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            force: input.force,
        };
        let (anonymized, user_errors) =
            settle(conversation(writer(ctx)?, attachments(ctx)?, viewer, request).await)?;
        Ok(AnonymizeConversationPayload {
            conversation: anonymized.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
