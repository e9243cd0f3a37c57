//! `markTicketRead`: the team has opened a ticket (or wants it unread again).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{Read, require, writer};
use crate::ids::NodeKind;
use crate::service::tickets::mark_read;

/// Input of `markTicketRead`.
#[derive(InputObject)]
pub struct MarkTicketReadInput {
    /// The ticket that was opened.
    pub ticket_id: ID,
    /// `true` marks it unread again.
    #[graphql(default = false)]
    pub unread: bool,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `markTicketRead`.
#[derive(SimpleObject)]
pub struct MarkTicketReadPayload {
    /// The ticket as it is now.
    pub ticket: Option<Ticket>,
    /// The tenant's `unreadTicketCount` after the change, for a badge to update.
    #[graphql(guard = "Read::Tickets")]
    pub unread_ticket_count: Option<i64>,
    /// Why the change was refused, if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct MarkTicketReadMutation;

#[Object]
impl MarkTicketReadMutation {
    /// Marks a ticket read by the team, as opening it does in a ticket inbox (or unread
    /// again with `unread: true`). It leaves `updatedAt` alone; when the flag changes it
    /// writes a TICKET_READ or TICKET_UNREAD activity entry.
    async fn mark_ticket_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket and its new read state.")] input: MarkTicketReadInput,
    ) -> Result<MarkTicketReadPayload> {
        let viewer = require(ctx, Scope::TicketWrite)?;
        let ticket_id = input_id(&input.ticket_id, NodeKind::Ticket)?;
        let (marked, user_errors) =
            settle(mark_read(writer(ctx)?, viewer, ticket_id, input.unread).await)?;
        let (ticket, count) = marked.unzip();
        Ok(MarkTicketReadPayload {
            ticket: ticket.map(Ticket),
            unread_ticket_count: count,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
