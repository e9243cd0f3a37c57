//! `removeTagFromTicket`: take a topic label off a ticket.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::tag::Tag;
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::tickets::remove_tag;

/// Input of `removeTagFromTicket`.
#[derive(InputObject)]
pub struct RemoveTagFromTicketInput {
    /// The ticket to change.
    pub ticket_id: ID,
    /// The tag to take off (active or inactive).
    pub tag_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `removeTagFromTicket`.
#[derive(SimpleObject)]
pub struct RemoveTagFromTicketPayload {
    /// The ticket as it is now (null when refused).
    pub ticket: Option<Ticket>,
    /// The tag, with its `ticketsCount` and `score` after the change (null when refused).
    pub tag: Option<Tag>,
    /// The ID of the tag whose edge left `Ticket.tags`; null when the ticket did not carry it.
    pub removed_tag_id: Option<ID>,
    /// Why the tag was not removed, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct RemoveTagFromTicketMutation;

#[Object]
impl RemoveTagFromTicketMutation {
    /// Takes a tag off a ticket; inactive tags too. A ticket without the tag is left as it is.
    async fn remove_tag_from_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket and the tag.")] input: RemoveTagFromTicketInput,
    ) -> Result<RemoveTagFromTicketPayload> {
        let viewer = require(ctx, Scope::TicketWrite)?;
        let ticket_id = input_id(&input.ticket_id, NodeKind::Ticket)?;
        let tag_id = input_id(&input.tag_id, NodeKind::Tag)?;
        let (linked, user_errors) =
            settle(remove_tag(writer(ctx)?, viewer, ticket_id, tag_id).await)?;
        let (ticket, tag, removed_tag_id) = match linked {
            Some(linked) => (
                Some(Ticket(linked.ticket)),
                Some(Tag(linked.tag)),
                linked.link.map(|l| NodeKind::Tag.id(l.tag_id)),
            ),
            None => (None, None, None),
        };
        Ok(RemoveTagFromTicketPayload {
            ticket,
            tag,
            removed_tag_id,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
