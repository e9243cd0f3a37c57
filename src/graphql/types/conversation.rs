//! `Conversation`: a thread between a customer and the support team, with its
//! filters and ordering.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::{Channel, ConversationState, Direction, SentimentTrend};
use entity::{
    agent, assistant_queue, assistant_run, contact, conversation, message, queue, voice_session,
};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use super::activity::Activity;
use super::agent::Agent;
use super::assistant_queued_message::AssistantQueuedMessage;
use super::assistant_run::AssistantRun;
use super::contact::Contact;
use super::custom_attribute::CustomAttributeValue;
use super::message::Message;
use super::note::Note;
use super::queue::Queue;
use super::rating::Rating;
use super::tag::{Tag, Topic, topics_of};
use super::ticket::Ticket;
use super::voice_session::VoiceSession;
use super::{at, at_opt, json};
use crate::auth::Scope;
use crate::db::scoped;
use crate::error::Error;
use crate::graphql::{Read, children, db, loaders, require, row, tag_links, viewer};
use crate::ids::NodeKind;
use crate::loader::{
    ActivityByConversation, AttributeValuesByConversation, LinkedConversations,
    MessagesByConversation, NotesByConversation, RatingsByConversation, TagLinksByConversation,
    TicketsByConversation,
};
use crate::pagination::{Conn, PageRequest};
use crate::service::capabilities;

pub struct Conversation(pub conversation::Model);

/// A conversation between a customer and the support team.
#[Object(guard = "Read::Conversations")]
impl Conversation {
    /// The conversation's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Conversation.id(self.0.id)
    }

    /// Whether the viewer may claim it now without `force`: it is not CLOSED and is
    /// unassigned or already the viewer's (and the token has `conversation:write`).
    async fn viewer_can_claim(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::conversation(viewer(ctx)?, &self.0).claim)
    }

    /// Whether the viewer may take it over from another agent (`claimConversation`
    /// with `force`).
    async fn viewer_can_take_over(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::conversation(viewer(ctx)?, &self.0).take_over)
    }

    /// Whether the viewer may close it now (it is not CLOSED).
    async fn viewer_can_close(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::conversation(viewer(ctx)?, &self.0).close)
    }

    /// Whether the viewer may reopen it now (it is CLOSED).
    async fn viewer_can_reopen(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::conversation(viewer(ctx)?, &self.0).reopen)
    }

    /// Whether the viewer may transfer it, add messages, tag it or set its
    /// attributes now (it is not CLOSED).
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::conversation(viewer(ctx)?, &self.0).change)
    }

    /// Whether the viewer may add internal notes and ratings (also when CLOSED).
    async fn viewer_can_annotate(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::conversation(viewer(ctx)?, &self.0).annotate)
    }

    /// Whether the viewer may anonymize it (an open one only with `force`).
    async fn viewer_can_anonymize(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::conversation(viewer(ctx)?, &self.0).anonymize)
    }

    /// Per-tenant display number (1, 2, 3...).
    async fn number(&self) -> i64 {
        self.0.number
    }

    /// The conversation's id in the system of record it came from.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Where the conversation takes place.
    async fn channel(&self) -> Channel {
        self.0.channel
    }

    /// Who started it: the customer (INBOUND) or the team (OUTBOUND).
    async fn direction(&self) -> Direction {
        self.0.direction
    }

    /// OPEN, PENDING or CLOSED.
    async fn state(&self) -> ConversationState {
        self.0.state
    }

    /// Subject line.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }

    /// Language code, e.g. `en`.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }

    /// The system of record it came from, e.g. `zendesk`, as given on create or import.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    /// The JSON object of the client's own keys given on create or import, e.g.
    /// `{"model": "gpt-4o", "userId": 3242}`.
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.metadata.as_deref())
    }

    /// The customer who asked.
    async fn requester(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        Ok(row::<contact::Entity>(ctx, self.0.requester_id)
            .await?
            .map(Contact))
    }

    /// The agent working on it.
    async fn assignee(&self, ctx: &Context<'_>) -> Result<Option<Agent>> {
        Ok(row::<agent::Entity>(ctx, self.0.assignee_id)
            .await?
            .map(Agent))
    }

    /// When the current assignee took it.
    async fn assigned_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.assigned_at)
    }

    /// The queue it is routed to.
    async fn queue(&self, ctx: &Context<'_>) -> Result<Option<Queue>> {
        Ok(row::<queue::Entity>(ctx, self.0.queue_id).await?.map(Queue))
    }

    /// When it entered its queue.
    async fn queued_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.queued_at)
    }

    /// The conversation this one was merged into (it is CLOSED, and its messages,
    /// notes, tickets and tags are there).
    async fn merged_into(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Ok(row::<conversation::Entity>(ctx, self.0.merged_into_id)
            .await?
            .map(Conversation))
    }

    /// Until when the conversation is snoozed (it is PENDING meanwhile, and OPEN
    /// again at that time or when the customer writes); null when it is not.
    async fn snoozed_until(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.snoozed_until)
    }

    /// The call behind a voice conversation, if it has one.
    async fn voice_session(&self, ctx: &Context<'_>) -> Result<Option<VoiceSession>> {
        Ok(row::<voice_session::Entity>(ctx, Some(self.0.id))
            .await?
            .map(VoiceSession))
    }

    /// The conversation this one is a side conversation of.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        Ok(row::<conversation::Entity>(ctx, self.0.parent_id)
            .await?
            .map(Conversation))
    }

    /// Side conversations started from this one.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn linked_conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Conversation>> {
        let page = PageRequest::new(first, after, last, before)?;
        let (rows, total) = children::<LinkedConversations>(ctx, self.0.id, page).await?;
        Ok(rows.connection(total, Conversation))
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }

    /// When anything in it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        at(self.0.updated_at)
    }

    /// When its state last changed.
    async fn state_updated_at(&self) -> DateTime<Utc> {
        at(self.0.state_updated_at)
    }

    /// When it was closed, while it is CLOSED.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.closed_at)
    }

    /// When its personal data was erased, if it was.
    async fn anonymized_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.anonymized_at)
    }

    /// The newest message.
    async fn last_message(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        Ok(row::<message::Entity>(ctx, self.0.last_message_id)
            .await?
            .map(Message))
    }

    /// Whether the customer's mood improved (UP) or worsened (DOWN) over the conversation.
    async fn sentiment_trend(&self) -> Option<SentimentTrend> {
        self.0.sentiment_trend
    }

    /// Tags the conversation is about but does not carry yet: the topics of its
    /// newest messages (see `Message.topics`), most relevant first.
    #[graphql(complexity = "5 + child_complexity")]
    async fn suggested_topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many topics (1 to 20).", default = 5)] first: i32,
    ) -> Result<Vec<Topic>> {
        if !(1..=20).contains(&first) {
            return Err(Error::bad_input("`first` must be between 1 and 20").into());
        }
        let (text, applied) =
            crate::service::conversations::topic_source(db(ctx)?, &self.0).await?;
        let mut found = topics_of(ctx, &text, self.0.language.as_deref(), &applied).await?;
        found.truncate(usize::try_from(first).unwrap_or(0));
        Ok(found)
    }

    /// Values of the tenant's custom attributes.
    async fn custom_attributes(&self, ctx: &Context<'_>) -> Result<Vec<CustomAttributeValue>> {
        let key = AttributeValuesByConversation {
            tenant: viewer(ctx)?.tenant.clone(),
            conversation: self.0.id,
        };
        let values = loaders(ctx)?
            .load_one(key)
            .await
            .map_err(Error::from)?
            .unwrap_or_default();
        Ok(values.into_iter().map(CustomAttributeValue).collect())
    }

    /// The messages waiting for the assistant's next run, in the order they will be
    /// answered (at most 20).
    #[graphql(complexity = "10 + 20 * child_complexity")]
    async fn assistant_queue(&self, ctx: &Context<'_>) -> Result<Vec<AssistantQueuedMessage>> {
        let rows = scoped::<assistant_queue::Entity>(&viewer(ctx)?.tenant)
            .filter(assistant_queue::Column::ConversationId.eq(self.0.id))
            .order_by_asc(assistant_queue::Column::Id)
            .all(db(ctx)?)
            .await?;
        Ok(rows.into_iter().map(AssistantQueuedMessage).collect())
    }

    /// The assistant's latest runs in the conversation, newest first.
    #[graphql(complexity = "10 + last.max(0) as usize * child_complexity")]
    async fn assistant_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many of the latest runs (1 to 50).", default = 10)] last: i32,
    ) -> Result<Vec<AssistantRun>> {
        if !(1..=50).contains(&last) {
            return Err(Error::bad_input("`last` must be between 1 and 50").into());
        }
        let rows = scoped::<assistant_run::Entity>(&viewer(ctx)?.tenant)
            .filter(assistant_run::Column::ConversationId.eq(self.0.id))
            .order_by_desc(assistant_run::Column::Id)
            .limit(last as u64)
            .all(db(ctx)?)
            .await?;
        Ok(rows.into_iter().map(AssistantRun).collect())
    }

    /// Messages, oldest first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn messages(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Message>> {
        let page = PageRequest::new(first, after, last, before)?;
        let (rows, total) = children::<MessagesByConversation>(ctx, self.0.id, page).await?;
        Ok(rows.connection(total, Message))
    }

    /// Tickets raised in this conversation, oldest first (needs `ticket:read`).
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Ticket>> {
        require(ctx, Scope::TicketRead)?;
        let page = PageRequest::new(first, after, last, before)?;
        let (rows, total) = children::<TicketsByConversation>(ctx, self.0.id, page).await?;
        Ok(rows.connection(total, Ticket))
    }

    /// Topic tags, in the order they were added.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Tag>> {
        let page = PageRequest::new(first, after, last, before)?;
        let (links, total) = tag_links::<TagLinksByConversation>(ctx, self.0.id, page).await?;
        Ok(links.connection(total, |(_, tag)| Tag(tag)))
    }

    /// Internal notes, oldest first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Note>> {
        let page = PageRequest::new(first, after, last, before)?;
        let (rows, total) = children::<NotesByConversation>(ctx, self.0.id, page).await?;
        Ok(rows.connection(total, Note))
    }

    /// Satisfaction ratings, oldest first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn ratings(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Rating>> {
        let page = PageRequest::new(first, after, last, before)?;
        let (rows, total) = children::<RatingsByConversation>(ctx, self.0.id, page).await?;
        Ok(rows.connection(total, Rating))
    }

    /// The audit log of this conversation, newest first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Activity>> {
        let page = PageRequest::new(first, after, last, before)?;
        let (rows, total) = children::<ActivityByConversation>(ctx, self.0.id, page).await?;
        Ok(rows.connection(total, Activity))
    }
}
