//! `AssistantQueuedMessage`: a message waiting for the assistant's next run.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{assistant_queue, conversation};

use super::at;
use super::conversation::Conversation;
use crate::graphql::{Read, row};
use crate::ids::NodeKind;

pub struct AssistantQueuedMessage(pub assistant_queue::Model);

/// A message sent while the assistant was answering: it waits, in order, and
/// becomes the question of the next run when the run in progress ends.
#[Object(guard = "Read::Conversations")]
impl AssistantQueuedMessage {
    /// The queued message's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::AssistantQueuedMessage.id(self.0.id)
    }

    /// The conversation whose queue it is in.
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        let found = row::<conversation::Entity>(ctx, Some(self.0.conversation_id)).await?;
        Ok(found.map(Conversation))
    }

    /// The message's text.
    async fn content(&self) -> &str {
        &self.0.content
    }

    /// When it was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }

    /// When its text last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        at(self.0.updated_at)
    }
}
