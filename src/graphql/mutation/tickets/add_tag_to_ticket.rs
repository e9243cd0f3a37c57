//! `addTagToTicket`: label a ticket with a topic, with salience and sentiment.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::{TicketTagEdge, ticket_tag_edge};
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::tag::Tag;
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::tickets::{TagLink, add_tag};

/// Input of `addTagToTicket`.
#[derive(InputObject)]
pub struct AddTagToTicketInput {
    /// The ticket to label.
    pub ticket_id: ID,
    /// The tag to put on it (it must be ACTIVE, unless the ticket already carries it).
    pub tag_id: ID,
    /// How central the topic is to the ticket, 0 to 1 (default 0.5; kept when the
    /// ticket already carries the tag).
    pub salience: Option<f64>,
    /// The customer's sentiment about the topic, -1 to 1 (default: the sentiment of the
    /// ticket's cleanest body; kept when the ticket already carries the tag).
    pub sentiment: Option<f64>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `addTagToTicket`.
#[derive(SimpleObject)]
pub struct AddTagToTicketPayload {
    /// The ticket as it is now (null when refused).
    pub ticket: Option<Ticket>,
    /// The tag, with its `ticketsCount` and `score` after the change (null when refused).
    pub tag: Option<Tag>,
    /// The link's edge in `Ticket.tags`, with salience and sentiment (null when refused).
    pub tag_edge: Option<TicketTagEdge>,
    /// Why the tag was not added, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AddTagToTicketMutation;

#[Object]
impl AddTagToTicketMutation {
    /// Puts a tag on a ticket. Adding it again changes the link's salience and
    /// sentiment and nothing else: `ticketsCount` counts each ticket once. An inactive
    /// tag is TAG_INACTIVE; a salience outside 0..1 or a sentiment outside -1..1 is
    /// INVALID_VALUE. The tag's `score` becomes the mean salience of its ticket links.
    async fn add_tag_to_ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ticket, the tag and what the link says.")] input: AddTagToTicketInput,
    ) -> Result<AddTagToTicketPayload> {
        let viewer = require(ctx, Scope::TicketWrite)?;
        let ticket_id = input_id(&input.ticket_id, NodeKind::Ticket)?;
        let link = TagLink {
            tag_id: input_id(&input.tag_id, NodeKind::Tag)?,
            salience: input.salience,
            sentiment: input.sentiment,
        };
        let (linked, user_errors) = settle(add_tag(writer(ctx)?, viewer, ticket_id, link).await)?;
        let (ticket, tag, tag_edge) = match linked {
            Some(linked) => {
                let edge = linked.link.map(|l| ticket_tag_edge(&linked.tag, &l));
                (Some(Ticket(linked.ticket)), Some(Tag(linked.tag)), edge)
            }
            None => (None, None, None),
        };
        Ok(AddTagToTicketPayload {
            ticket,
            tag,
            tag_edge,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
