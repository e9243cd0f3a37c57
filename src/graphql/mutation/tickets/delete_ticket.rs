//! `deleteTicket`: remove a ticket and its tag links.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::tickets::delete;

/// Input of `deleteTicket`.
#[derive(InputObject)]
pub struct DeleteTicketInput {
    /// The ticket to delete.
    pub ticket_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `deleteTicket`.
#[derive(SimpleObject)]
pub struct DeleteTicketPayload {
    /// The ID of the deleted ticket, to remove it from cached lists (null when refused).
    pub deleted_ticket_id: Option<ID>,
    /// Why the ticket was not deleted, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct DeleteTicketMutation;

#[Object]
impl DeleteTicketMutation {
    /// Deletes a ticket for good, with its tag links (each tag's `ticketsCount` and
    /// `score` follow), and writes a TICKET_DELETED activity entry. Activity entries
    /// that named the ticket stay, without it.
    async fn delete_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket to delete.")] input: DeleteTicketInput,
    ) -> Result<DeleteTicketPayload> {
        let viewer = require(ctx, Scope::TicketWrite)?;
        let ticket_id = input_id(&input.ticket_id, NodeKind::Ticket)?;
        let (deleted, user_errors) = settle(delete(writer(ctx)?, viewer, ticket_id).await)?;
        Ok(DeleteTicketPayload {
            deleted_ticket_id: deleted.map(|t| NodeKind::Ticket.id(t.id)),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
