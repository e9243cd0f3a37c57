//! `anonymizeMessage`: erase one message's text for good.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::message::Message;
use crate::graphql::{attachments, require, writer};
use crate::ids::NodeKind;
use crate::service::anonymize::message;

/// Input of `anonymizeMessage`.
#[derive(InputObject)]
pub struct AnonymizeMessageInput {
    /// The message to anonymize.
    pub message_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `anonymizeMessage`.
#[derive(SimpleObject)]
pub struct AnonymizeMessagePayload {
    /// The message as it is now, with `anonymizedAt` set (null when refused).
    pub message: Option<Message>,
    /// The message's conversation as it is now.
    pub conversation: Option<Conversation>,
    /// Why the message was not anonymized, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AnonymizeMessageMutation;

#[Object]
impl AnonymizeMessageMutation {
    /// Irreversibly replaces one message's text (HTML removed) and deletes its
    /// attachments (their files too), keeping the message itself. Running it again
    /// changes nothing.
    async fn anonymize_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to anonymize.")] input: AnonymizeMessageInput,
    ) -> Result<AnonymizeMessagePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let message_id = input_id(&input.message_id, NodeKind::Message)?;
        let (anonymized, user_errors) =
            settle(message(writer(ctx)?, attachments(ctx)?, viewer, message_id).await)?;
        let (message, conversation) = anonymized.unzip();
        Ok(AnonymizeMessagePayload {
            message: message.map(Message),
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
