//! Tickets and their tag links (`service::tickets`).

mod add_tag_to_ticket;
mod create_ticket;
mod delete_ticket;
mod mark_ticket_read;
mod remove_tag_from_ticket;
mod update_ticket;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct TicketWrites(
    create_ticket::CreateTicketMutation,
    update_ticket::UpdateTicketMutation,
    delete_ticket::DeleteTicketMutation,
    add_tag_to_ticket::AddTagToTicketMutation,
    remove_tag_from_ticket::RemoveTagFromTicketMutation,
    mark_ticket_read::MarkTicketReadMutation,
);
