//! `suggestReply`: the assistant's draft of an agent's reply to a ticket.

use async_graphql::{Context, ID, Object, Result};
use entity::{conversation, message, ticket};

use crate::assistant::{Assistant, Draft, Source};
use crate::auth::Scope;
use crate::error::Error;
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::message::Message;
use crate::graphql::{db, require, row};
use crate::ids::{NodeKind, decode_as};

#[derive(Default)]
pub struct AssistantQuery;

#[Object]
impl AssistantQuery {
    /// A draft reply to a ticket, from the assistant's provider (by default the
    /// built-in one, which answers from the tenant's solved conversations), with the
    /// sources it came from. When the provider is not sure enough, `text` is null and
    /// `escalationReason` says why: it never invents an answer. Needs `ticket:read`
    /// and `conversation:read` (the sources are conversations).
    async fn suggest_reply(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket to answer.")] ticket_id: ID,
    ) -> Result<SuggestedReply> {
        require(ctx, Scope::ConversationRead)?;
        let viewer = require(ctx, Scope::TicketRead)?;
        let key = decode_as(&ticket_id, NodeKind::Ticket);
        let ticket = row::<ticket::Entity>(ctx, key)
            .await?
            .ok_or_else(|| Error::NotFound("ticket".into()))?;
        let question = ticket
            .cleanest_body
            .as_deref()
            .unwrap_or(&ticket.original_text);
        let assistant = ctx
            .data::<Assistant>()
            .map_err(|_| Error::Internal("no assistant in the schema".into()))?;
        let draft = assistant
            .provider
            .draft(db(ctx)?, &viewer.tenant, question, ticket.conversation_id)
            .await?;
        Ok(SuggestedReply {
            draft,
            provider: assistant.provider.name(),
        })
    }
}

pub struct SuggestedReply {
    draft: Draft,
    provider: &'static str,
}

/// A draft reply and where it came from.
#[Object]
impl SuggestedReply {
    /// The drafted reply; null when the provider is not sure enough (see
    /// `escalationReason`).
    async fn text(&self) -> Option<&str> {
        self.draft.text.as_deref()
    }

    /// How sure the provider is, 0 to 1 (for the built-in provider: how similar the
    /// best source's question is to this one).
    async fn confidence(&self) -> f64 {
        self.draft.confidence
    }

    /// What the draft was drawn from, best first.
    async fn sources(&self) -> Vec<AssistantSource> {
        self.draft
            .sources
            .iter()
            .cloned()
            .map(AssistantSource)
            .collect()
    }

    /// Why a human should answer instead; null when there is a draft.
    async fn escalation_reason(&self) -> Option<&str> {
        self.draft.escalation_reason.as_deref()
    }

    /// The provider that wrote the draft (`retrieval` for the built-in one).
    async fn provider(&self) -> &str {
        self.provider
    }
}

pub struct AssistantSource(Source);

/// A solved conversation an assistant's answer was drawn from.
#[Object]
impl AssistantSource {
    /// The solved conversation.
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        let found = row::<conversation::Entity>(ctx, Some(self.0.conversation_id)).await?;
        Ok(found.map(Conversation))
    }

    /// The customer's message in it that resembled the question.
    async fn question(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let found = row::<message::Entity>(ctx, Some(self.0.question_id)).await?;
        Ok(found.map(Message))
    }

    /// The agent's reply to that message.
    async fn answer(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let found = row::<message::Entity>(ctx, Some(self.0.answer_id)).await?;
        Ok(found.map(Message))
    }

    /// How similar its question is to the one asked, 0 to 1.
    async fn similarity(&self) -> f64 {
        self.0.similarity
    }
}
