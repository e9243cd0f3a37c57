//! Mutations of tickets, tags, internal notes and ratings.

mod add_note;
mod add_notes;
mod add_tag_to_ticket;
mod create_tag;
mod create_ticket;
mod delete_ticket;
mod mark_ticket_read;
mod offer_rating;
mod remove_tag_from_ticket;
mod submit_rating;
mod update_tag;
mod update_ticket;

use async_graphql::MergedObject;
use async_graphql::connection::{Edge, EmptyFields};
use entity::{note, rating, tag, ticket, ticket_tag};

use crate::graphql::types::at;
use crate::graphql::types::note::Note;
use crate::graphql::types::rating::Rating;
use crate::graphql::types::tag::Tag;
use crate::graphql::types::ticket::{Ticket, TicketTagEdgeName, TicketTagLink};
use crate::pagination::{Cursor, KeyPart};

/// The ticket, tag, note and rating mutations.
#[derive(MergedObject, Default)]
pub struct TicketWrites(
    create_tag::CreateTagMutation,
    update_tag::UpdateTagMutation,
    create_ticket::CreateTicketMutation,
    update_ticket::UpdateTicketMutation,
    delete_ticket::DeleteTicketMutation,
    add_tag_to_ticket::AddTagToTicketMutation,
    remove_tag_from_ticket::RemoveTagFromTicketMutation,
    mark_ticket_read::MarkTicketReadMutation,
    add_note::AddNoteMutation,
    add_notes::AddNotesMutation,
    offer_rating::OfferRatingMutation,
    submit_rating::SubmitRatingMutation,
);

/// An edge of `Ticket.tags`: the tag, with what the ticket's link to it says.
pub type TicketTagEdge = Edge<Cursor, Tag, TicketTagLink, TicketTagEdgeName>;

/// A cursor of two integer sort keys, as the lists' keyset cursors are.
fn cursor(first: i64, second: i64) -> Cursor {
    Cursor(vec![KeyPart::Int(first), KeyPart::Int(second)])
}

/// A ticket's edge in `tickets` (default order: created_at, id).
fn ticket_edge(row: &ticket::Model) -> Edge<Cursor, Ticket, EmptyFields> {
    Edge::new(cursor(row.created_at, row.id), Ticket(row.clone()))
}

/// A tag link's edge in `Ticket.tags` (order: link created_at, tag id).
fn ticket_tag_edge(tag: &tag::Model, link: &ticket_tag::Model) -> TicketTagEdge {
    let fields = TicketTagLink {
        salience: link.salience,
        sentiment: link.sentiment,
        tagged_at: at(link.created_at),
    };
    Edge::with_additional_fields(
        cursor(link.created_at, link.tag_id),
        Tag(tag.clone()),
        fields,
    )
}

/// A note's edge in `Conversation.notes` (order: created_at, id).
fn note_edge(row: &note::Model) -> Edge<Cursor, Note, EmptyFields> {
    Edge::new(cursor(row.created_at, row.id), Note(row.clone()))
}

/// A rating's edge in `Conversation.ratings` (order: offered_at, id).
fn rating_edge(row: &rating::Model) -> Edge<Cursor, Rating, EmptyFields> {
    Edge::new(cursor(row.offered_at, row.id), Rating(row.clone()))
}
