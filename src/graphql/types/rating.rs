//! `Rating`: a satisfaction survey offered to, and maybe answered by, the customer.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::{RatingStatus, RatingType};
use entity::{agent, contact, conversation, rating};

use super::agent::Agent;
use super::contact::Contact;
use super::conversation::Conversation;
use super::{at, at_opt};
use crate::graphql::{Read, row};
use crate::ids::NodeKind;

pub struct Rating(pub rating::Model);

/// A satisfaction rating of a conversation.
#[Object(guard = "Read::Conversations")]
impl Rating {
    /// The rating's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Rating.id(self.0.id)
    }

    /// The rated conversation.
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Ok(
            row::<conversation::Entity>(ctx, Some(self.0.conversation_id))
                .await?
                .map(Conversation),
        )
    }

    /// The scale: CSAT (1 to 5) or thumbs (0 or 1).
    async fn rating_type(&self) -> RatingType {
        self.0.rating_type
    }

    /// Offered, or answered.
    async fn status(&self) -> RatingStatus {
        self.0.status
    }

    /// The customer's score, once submitted.
    async fn score(&self) -> Option<i32> {
        self.0.score
    }

    /// The customer's comment.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    /// The agent being rated.
    async fn agent(&self, ctx: &Context<'_>) -> Result<Option<Agent>> {
        Ok(row::<agent::Entity>(ctx, self.0.agent_id).await?.map(Agent))
    }

    /// The customer asked to rate.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        Ok(row::<contact::Entity>(ctx, self.0.contact_id)
            .await?
            .map(Contact))
    }

    /// Language the survey was offered in.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }

    /// When the survey was offered.
    async fn offered_at(&self) -> DateTime<Utc> {
        at(self.0.offered_at)
    }

    /// When the customer answered.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.submitted_at)
    }
}
