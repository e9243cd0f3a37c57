//! The edges mutation payloads return, so that a client can insert a new node into
//! a cached list at the place the list's own cursor gives it.

use async_graphql::connection::{Edge, EmptyFields};
use entity::{conversation, message, note, rating, tag, ticket, ticket_tag};

use crate::graphql::types::at;
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::message::Message;
use crate::graphql::types::note::Note;
use crate::graphql::types::rating::Rating;
use crate::graphql::types::tag::Tag;
use crate::graphql::types::ticket::{Ticket, TicketTagEdgeName, TicketTagLink};
use crate::pagination::{Cursor, KeyPart};

/// A conversation's edge in `conversations` (default order: updatedAt, then id).
pub(crate) fn conversation_edge(
    row: &conversation::Model,
) -> Edge<Cursor, Conversation, EmptyFields> {
    let cursor = Cursor(vec![KeyPart::Int(row.updated_at), KeyPart::Int(row.id)]);
    Edge::new(cursor, Conversation(row.clone()))
}

/// A message's edge in `Conversation.messages` (oldest first: createdAt, then id).
pub(crate) fn message_edge(row: &message::Model) -> Edge<Cursor, Message, EmptyFields> {
    let cursor = Cursor(vec![KeyPart::Int(row.created_at), KeyPart::Int(row.id)]);
    Edge::new(cursor, Message(row.clone()))
}

/// An edge of `Ticket.tags`: the tag, with what the ticket's link to it says.
pub type TicketTagEdge = Edge<Cursor, Tag, TicketTagLink, TicketTagEdgeName>;

/// A cursor of two integer sort keys, as the lists' keyset cursors are.
pub(crate) fn cursor(first: i64, second: i64) -> Cursor {
    Cursor(vec![KeyPart::Int(first), KeyPart::Int(second)])
}

/// A ticket's edge in `tickets` (default order: created_at, id).
pub(crate) fn ticket_edge(row: &ticket::Model) -> Edge<Cursor, Ticket, EmptyFields> {
    Edge::new(cursor(row.created_at, row.id), Ticket(row.clone()))
}

/// A tag link's edge in `Ticket.tags` (order: link created_at, tag id).
pub(crate) fn ticket_tag_edge(tag: &tag::Model, link: &ticket_tag::Model) -> TicketTagEdge {
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
pub(crate) fn note_edge(row: &note::Model) -> Edge<Cursor, Note, EmptyFields> {
    Edge::new(cursor(row.created_at, row.id), Note(row.clone()))
}

/// A rating's edge in `Conversation.ratings` (order: offered_at, id).
pub(crate) fn rating_edge(row: &rating::Model) -> Edge<Cursor, Rating, EmptyFields> {
    Edge::new(cursor(row.offered_at, row.id), Rating(row.clone()))
}
