//! `Activity`: one entry of the audit log, written with the change it records.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::ActivityType;
use entity::{
    activity, agent, conversation, message, note, queue, rating, tag, ticket, webhook_endpoint,
};

use super::agent::Agent;
use super::at;
use super::conversation::Conversation;
use super::message::Message;
use super::note::Note;
use super::queue::Queue;
use super::rating::Rating;
use super::tag::Tag;
use super::ticket::Ticket;
use super::webhook_endpoint::WebhookEndpoint;
use crate::auth::Scope;
use crate::graphql::{Read, require, row};
use crate::ids::NodeKind;

pub struct Activity(pub activity::Model);

/// An audit log entry: what happened to a conversation, who did it and when.
#[Object(guard = "Read::Conversations")]
#[allow(clippy::wrong_self_convention)] // `fromQueue` is a field of the contract, not a conversion.
impl Activity {
    /// The entry's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Activity.id(self.0.id)
    }

    /// The conversation it happened to.
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Ok(row::<conversation::Entity>(ctx, self.0.conversation_id)
            .await?
            .map(Conversation))
    }

    /// What happened.
    #[graphql(name = "type")]
    async fn kind(&self) -> ActivityType {
        self.0.kind
    }

    /// The agent who did it (null for the system or the customer).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<Agent>> {
        Ok(row::<agent::Entity>(ctx, self.0.actor_id).await?.map(Agent))
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        at(self.0.occurred_at)
    }

    /// The agent the change concerns (the new assignee of a claim).
    async fn agent(&self, ctx: &Context<'_>) -> Result<Option<Agent>> {
        Ok(row::<agent::Entity>(ctx, self.0.agent_id).await?.map(Agent))
    }

    /// The agent the conversation was taken from: the previous assignee of a forced
    /// claim, or the one a transfer or a reopen released.
    async fn from_agent(&self, ctx: &Context<'_>) -> Result<Option<Agent>> {
        Ok(row::<agent::Entity>(ctx, self.0.from_agent_id)
            .await?
            .map(Agent))
    }

    /// The queue a transfer moved the conversation from.
    async fn from_queue(&self, ctx: &Context<'_>) -> Result<Option<Queue>> {
        Ok(row::<queue::Entity>(ctx, self.0.from_queue_id)
            .await?
            .map(Queue))
    }

    /// The queue a transfer (or a reopen) offered the conversation in.
    async fn to_queue(&self, ctx: &Context<'_>) -> Result<Option<Queue>> {
        Ok(row::<queue::Entity>(ctx, self.0.to_queue_id)
            .await?
            .map(Queue))
    }

    /// The tag added or removed.
    async fn tag(&self, ctx: &Context<'_>) -> Result<Option<Tag>> {
        Ok(row::<tag::Entity>(ctx, self.0.tag_id).await?.map(Tag))
    }

    /// The message added.
    async fn message(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        Ok(row::<message::Entity>(ctx, self.0.message_id)
            .await?
            .map(Message))
    }

    /// The note added.
    async fn note(&self, ctx: &Context<'_>) -> Result<Option<Note>> {
        Ok(row::<note::Entity>(ctx, self.0.note_id).await?.map(Note))
    }

    /// The rating offered or submitted.
    async fn rating(&self, ctx: &Context<'_>) -> Result<Option<Rating>> {
        Ok(row::<rating::Entity>(ctx, self.0.rating_id)
            .await?
            .map(Rating))
    }

    /// The other conversation of a MERGED entry: where the messages went, or where
    /// they came from.
    async fn other_conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Ok(
            row::<conversation::Entity>(ctx, self.0.other_conversation_id)
                .await?
                .map(Conversation),
        )
    }

    /// The ticket created or updated (needs `ticket:read`).
    async fn ticket(&self, ctx: &Context<'_>) -> Result<Option<Ticket>> {
        if self.0.ticket_id.is_none() {
            return Ok(None);
        }
        require(ctx, Scope::TicketRead)?;
        Ok(row::<ticket::Entity>(ctx, self.0.ticket_id)
            .await?
            .map(Ticket))
    }

    /// The webhook endpoint of a WEBHOOK_ENDPOINT_DISABLED entry (needs `admin`).
    async fn webhook_endpoint(&self, ctx: &Context<'_>) -> Result<Option<WebhookEndpoint>> {
        if self.0.webhook_endpoint_id.is_none() {
            return Ok(None);
        }
        require(ctx, Scope::Admin)?;
        Ok(
            row::<webhook_endpoint::Entity>(ctx, self.0.webhook_endpoint_id)
                .await?
                .map(WebhookEndpoint),
        )
    }
}
