//! `Note`: an internal note agents leave on a conversation.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{agent, conversation, note};

use super::agent::Agent;
use super::at;
use super::attachment::{Attachment, attachments_of};
use super::conversation::Conversation;
use crate::attachments::Owner;
use crate::graphql::{Read, row};
use crate::ids::NodeKind;

pub struct Note(pub note::Model);

/// An internal note, visible to agents only.
#[Object(guard = "Read::Conversations")]
impl Note {
    /// The note's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Note.id(self.0.id)
    }

    /// The conversation the note is on.
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Ok(
            row::<conversation::Entity>(ctx, Some(self.0.conversation_id))
                .await?
                .map(Conversation),
        )
    }

    /// The agent who wrote it.
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Agent>> {
        Ok(row::<agent::Entity>(ctx, self.0.author_id)
            .await?
            .map(Agent))
    }

    /// The note's text.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The files attached to the note, oldest first.
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        Ok(attachments_of(ctx, Owner::Note(self.0.id)).await?)
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }
}
