//! `createTicket`: a new support ticket, optionally in a conversation, with its tags.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{TicketPriority, TicketStatus};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::ticket_edge;
use crate::graphql::mutation::{input_id, input_id_opt, settle};
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::pagination::Cursor;
use crate::service::tickets::{NewTicket, TagLink, create};

/// A tag to put on a new ticket, with what the link says.
#[derive(InputObject)]
pub struct TicketTagInput {
    /// The tag (it must be ACTIVE).
    pub tag_id: ID,
    /// How central the topic is to the ticket, 0 to 1 (default 0.5).
    pub salience: Option<f64>,
    /// The customer's sentiment about the topic, -1 to 1 (default: the sentiment of the
    /// ticket's cleanest body).
    pub sentiment: Option<f64>,
}

/// The service's tag links of `tags`.
pub(super) fn tag_links(tags: &[TicketTagInput]) -> crate::error::Result<Vec<TagLink>> {
    tags.iter()
        .map(|t| {
            Ok(TagLink {
                tag_id: input_id(&t.tag_id, NodeKind::Tag)?,
                salience: t.salience,
                sentiment: t.sentiment,
            })
        })
        .collect()
}

/// Input of `createTicket`.
#[derive(InputObject)]
pub struct CreateTicketInput {
    /// The conversation the ticket belongs to, if any (it must not be CLOSED).
    pub conversation_id: Option<ID>,
    /// The ticket's id in the system of record it came from; unique within the tenant.
    pub external_id: Option<String>,
    /// The system of record it came from, e.g. `zendesk`.
    pub source: Option<String>,
    /// Who sent it: an email address, a user name or a number.
    pub sender: Option<String>,
    /// The text as received (at most 100 KB); when left out, the text of `originalHtml`.
    pub original_text: Option<String>,
    /// The HTML as received (at most 100 KB).
    pub original_html: Option<String>,
    /// Where the ticket starts in its life cycle.
    #[graphql(default_with = "TicketStatus::New")]
    pub status: TicketStatus,
    /// How urgent it is.
    #[graphql(default_with = "TicketPriority::Normal")]
    pub priority: TicketPriority,
    /// When the service-level agreement expects a resolution.
    pub sla_due_at: Option<DateTime<Utc>>,
    /// Whether an AI assistant resolved it (imported or bot-handled tickets).
    #[graphql(default)]
    pub ai_resolved: bool,
    /// Why the ticket was escalated (at most 1000 characters).
    pub escalation_reason: Option<String>,
    /// What is known of an anonymous requester, a JSON object such as
    /// `{"plan": "pro", "locale": "de"}` (at most 16 KB).
    pub anonymous_traits: Option<Json<serde_json::Value>>,
    /// Tags to put on the ticket (at most 100), each at most once.
    #[graphql(default)]
    pub tags: Vec<TicketTagInput>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `createTicket`.
#[derive(SimpleObject)]
pub struct CreateTicketPayload {
    /// The new ticket (null when refused).
    pub ticket: Option<Ticket>,
    /// The new ticket's edge in `tickets` (default order), to insert into a cached list.
    pub ticket_edge: Option<Edge<Cursor, Ticket, EmptyFields>>,
    /// Why the ticket was not created, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct CreateTicketMutation;

#[Object]
impl CreateTicketMutation {
    /// Creates a ticket with the next per-tenant number, unread, with its cleanest body
    /// (greeting, quoted replies, signature and markup removed) computed now.
    /// A duplicate `externalId` is DUPLICATE_EXTERNAL_ID; a CLOSED conversation is
    /// CONVERSATION_CLOSED; an inactive tag is TAG_INACTIVE.
    async fn create_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket to create.")] input: CreateTicketInput,
    ) -> Result<CreateTicketPayload> {
        let viewer = require(ctx, Scope::TicketWrite)?;
        let tags = tag_links(&input.tags)?;
        let new = NewTicket {
            conversation_id: input_id_opt(input.conversation_id.as_ref(), NodeKind::Conversation)?,
            external_id: input.external_id,
            source: input.source,
            sender: input.sender,
            original_text: input.original_text,
            original_html: input.original_html,
            status: input.status,
            priority: input.priority,
            sla_due_at: input.sla_due_at.map(|t| t.timestamp_micros()),
            ai_resolved: input.ai_resolved,
            escalation_reason: input.escalation_reason,
            anonymous_traits: input.anonymous_traits.map(|t| t.0),
            tags,
        };
        let (ticket, user_errors) =
            settle(create(writer(ctx)?, viewer, new, input.idempotency_key.as_deref()).await)?;
        Ok(CreateTicketPayload {
            ticket_edge: ticket.as_ref().map(ticket_edge),
            ticket: ticket.map(Ticket),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
