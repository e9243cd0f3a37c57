//! `Ticket`: a support request with status, priority and topic tags.

use async_graphql::connection::{ConnectionNameType, EdgeNameType};
use async_graphql::{Context, ID, Object, OutputType, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{TicketPriority, TicketStatus};
use entity::{contact, conversation, ticket};

use super::contact::Contact;
use super::conversation::Conversation;
use super::tag::Tag;
use super::{at, at_opt};
use crate::auth::Scope;
use crate::graphql::{Read, require, row, tag_links, viewer};
use crate::ids::NodeKind;
use crate::loader::TagLinksByTicket;
use crate::pagination::{Connection, PageRequest};
use crate::service::capabilities;

pub struct Ticket(pub ticket::Model);

/// What a ticket's link to a tag says about it.
#[derive(SimpleObject)]
#[graphql(guard = "Read::Tickets")]
pub struct TicketTagLink {
    /// How central the topic is to the ticket, 0 to 1.
    pub salience: f64,
    /// The customer's sentiment about the topic, -1 to 1.
    pub sentiment: f64,
    /// When the tag was added to the ticket.
    pub tagged_at: DateTime<Utc>,
}

/// Names the connection of a ticket's tags.
pub struct TicketTagConnectionName;

impl ConnectionNameType for TicketTagConnectionName {
    fn type_name<T: OutputType>() -> String {
        "TicketTagConnection".into()
    }
}

/// Names the edges of a ticket's tags.
pub struct TicketTagEdgeName;

impl EdgeNameType for TicketTagEdgeName {
    fn type_name<T: OutputType>() -> String {
        "TicketTagEdge".into()
    }
}

/// A ticket's tags; each edge carries salience and sentiment.
pub type TicketTagConnection =
    Connection<Tag, TicketTagLink, TicketTagConnectionName, TicketTagEdgeName>;

/// A support ticket.
#[Object(guard = "Read::Tickets")]
impl Ticket {
    /// The ticket's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Ticket.id(self.0.id)
    }

    /// Whether the viewer may update, tag, mark read or delete it (the token has
    /// `ticket:write`; a ticket follows its own status, also in a CLOSED conversation).
    async fn viewer_can_update(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::ticket_writes(viewer(ctx)?))
    }

    /// Whether the viewer may delete it.
    async fn viewer_can_delete(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(capabilities::ticket_writes(viewer(ctx)?))
    }

    /// Per-tenant display number (1, 2, 3...).
    async fn number(&self) -> i64 {
        self.0.number
    }

    /// The ticket's id in the system of record it came from.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// The conversation the ticket belongs to (needs `conversation:read`).
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        if self.0.conversation_id.is_none() {
            return Ok(None);
        }
        require(ctx, Scope::ConversationRead)?;
        Ok(row::<conversation::Entity>(ctx, self.0.conversation_id)
            .await?
            .map(Conversation))
    }

    /// The customer the ticket is for: the requester of its conversation (null for a
    /// ticket without one). Contacts are shared reference data, so `ticket:read` is
    /// enough.
    async fn requester(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        let conv = row::<conversation::Entity>(ctx, self.0.conversation_id).await?;
        let requester = conv.and_then(|c| c.requester_id);
        Ok(row::<contact::Entity>(ctx, requester).await?.map(Contact))
    }

    /// The system of record it came from, e.g. `zendesk`.
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }

    /// Who sent it (an email address or name).
    async fn sender(&self) -> Option<&str> {
        self.0.sender.as_deref()
    }

    /// The text as received.
    async fn original_text(&self) -> &str {
        &self.0.original_text
    }

    /// The HTML as received.
    async fn original_html(&self) -> Option<&str> {
        self.0.original_html.as_deref()
    }

    /// The request itself: greeting, quoted replies, signature and markup removed.
    async fn cleanest_body(&self) -> Option<&str> {
        self.0.cleanest_body.as_deref()
    }

    /// Where the ticket is in its life cycle.
    async fn status(&self) -> TicketStatus {
        self.0.status
    }

    /// How urgent it is.
    async fn priority(&self) -> TicketPriority {
        self.0.priority
    }

    /// When the service-level agreement expects a resolution.
    async fn sla_due_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.sla_due_at)
    }

    /// Whether an AI assistant resolved it.
    async fn ai_resolved(&self) -> bool {
        self.0.ai_resolved
    }

    /// Why it was escalated, if it was.
    async fn escalation_reason(&self) -> Option<&str> {
        self.0.escalation_reason.as_deref()
    }

    /// What is known of an anonymous requester (a JSON object such as
    /// `{"plan": "pro", "locale": "de"}`), as given on create or update.
    async fn anonymous_traits(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        super::json(self.0.anonymous_traits.as_deref())
    }

    /// Whether no agent has opened it yet.
    async fn unread(&self) -> bool {
        self.0.unread
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        at(self.0.updated_at)
    }

    /// The ticket's topic tags, in the order they were added.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many tags from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many tags from the end (at most 100).")] last: Option<
            i32,
        >,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<TicketTagConnection> {
        let page = PageRequest::new(first, after, last, before)?;
        let (links, total) = tag_links::<TagLinksByTicket>(ctx, self.0.id, page).await?;
        let edges = links.map(|(link, tag)| {
            let fields = TicketTagLink {
                salience: link.salience,
                sentiment: link.sentiment,
                tagged_at: at(link.created_at),
            };
            (Tag(tag), fields)
        });
        Ok(edges.into_connection(total, |edge| edge))
    }
}
