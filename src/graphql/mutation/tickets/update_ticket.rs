//! `updateTicket`: change a ticket's status, priority, SLA, text or tags.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{TicketPriority, TicketStatus};

use super::create_ticket::{TicketTagInput, tag_links};
use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::tickets::{TicketChanges, update};

/// Input of `updateTicket`; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateTicketInput {
    /// The ticket to change.
    pub ticket_id: ID,
    /// A new status.
    pub status: Option<TicketStatus>,
    /// A new priority.
    pub priority: Option<TicketPriority>,
    /// A new SLA due time; null removes it.
    pub sla_due_at: MaybeUndefined<DateTime<Utc>>,
    /// Why the ticket was escalated; null (or empty) removes it.
    pub escalation_reason: MaybeUndefined<String>,
    /// Whether an AI assistant resolved it.
    pub ai_resolved: Option<bool>,
    /// What is known of an anonymous requester, a JSON object (at most 16 KB); null
    /// removes it.
    pub anonymous_traits: MaybeUndefined<Json<serde_json::Value>>,
    /// A corrected text (at most 100 KB); the cleanest body is computed from it again.
    pub original_text: Option<String>,
    /// The ticket's tags from now on (at most 100): listed tags are added or take the
    /// given salience and sentiment, tags not listed are removed; `[]` removes all.
    pub tags: Option<Vec<TicketTagInput>>,
    /// Refuse with CONFLICT unless the ticket's `updatedAt` is still this.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `updateTicket`.
#[derive(SimpleObject)]
pub struct UpdateTicketPayload {
    /// The ticket as it is now (null when the change was refused).
    pub ticket: Option<Ticket>,
    /// Why the change was refused, if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UpdateTicketMutation;

fn change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[Object]
impl UpdateTicketMutation {
    /// Changes a ticket and moves its `updatedAt`. With `expectedUpdatedAt`, a ticket
    /// changed meanwhile is refused with CONFLICT and left as it is. Tickets of CLOSED
    /// conversations can still be changed: a ticket follows its own status.
    async fn update_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket and what to change.")] input: UpdateTicketInput,
    ) -> Result<UpdateTicketPayload> {
        let viewer = require(ctx, Scope::TicketWrite)?;
        let changes = TicketChanges {
            ticket_id: input_id(&input.ticket_id, NodeKind::Ticket)?,
            status: input.status,
            priority: input.priority,
            sla_due_at: change(input.sla_due_at).map(|t| t.map(|t| t.timestamp_micros())),
            escalation_reason: change(input.escalation_reason),
            ai_resolved: input.ai_resolved,
            anonymous_traits: change(input.anonymous_traits).map(|t| t.map(|t| t.0)),
            original_text: input.original_text,
            tags: input.tags.as_deref().map(tag_links).transpose()?,
            expected_updated_at: input.expected_updated_at,
        };
        let (ticket, user_errors) = settle(update(writer(ctx)?, viewer, changes).await)?;
        Ok(UpdateTicketPayload {
            ticket: ticket.map(Ticket),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
