//! `rateMessage`: the reader's verdict on one message (thumbs up, neutral, down).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::message::Message;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::messages::rate;

/// Input of `rateMessage`.
#[derive(InputObject)]
pub struct RateMessageInput {
    /// The message to rate.
    pub message_id: ID,
    /// -1 (bad), 0 (neutral) or 1 (good); null clears the rating.
    pub rating: Option<i32>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `rateMessage`.
#[derive(SimpleObject)]
pub struct RateMessagePayload {
    /// The message with its rating (null when refused).
    pub message: Option<Message>,
    /// Why the rating was not set, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct RateMessageMutation;

#[Object]
impl RateMessageMutation {
    /// Rates a message, as a reader of an assistant's answers does (-1, 0 or 1), or
    /// clears its rating. A change writes a MESSAGE_RATED activity; rating a message
    /// as it is already rated changes nothing. Any other value is INVALID_VALUE.
    async fn rate_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message and its rating.")] input: RateMessageInput,
    ) -> Result<RateMessagePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let message_id = input_id(&input.message_id, NodeKind::Message)?;
        let (message, user_errors) =
            settle(rate(writer(ctx)?, viewer, message_id, input.rating).await)?;
        Ok(RateMessagePayload {
            message: message.map(Message),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
