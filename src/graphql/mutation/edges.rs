//! The edges mutation payloads return, so that a client can insert a new node into
//! a cached list at the place the list's own cursor gives it.

use async_graphql::connection::{Edge, EmptyFields};
use entity::{
    conversation, conversation_tag, custom_attribute_definition, flow, message, note, rating, tag,
    ticket, ticket_tag,
};

use crate::graphql::query::{ConversationOrder, DEFINITION_SORT, FLOW_SORT, TAG_SORT, TicketOrder};
use crate::graphql::types::at;
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::custom_attribute::CustomAttributeDefinition;
use crate::graphql::types::flow::Flow;
use crate::graphql::types::message::Message;
use crate::graphql::types::note::Note;
use crate::graphql::types::rating::Rating;
use crate::graphql::types::tag::Tag;
use crate::graphql::types::ticket::{Ticket, TicketTagEdgeName, TicketTagLink};
use crate::loader::{
    MessagesByConversation, NotesByConversation, RatingsByConversation, Relation,
    TagLinksByConversation, TagLinksByTicket,
};
use crate::pagination::Cursor;

// Every cursor here is read off the row with the sort its list declares, so a
// payload's edge and the list's page give the same node the same cursor.

/// The cursor a row of relation `R` has in its list.
fn cursor_in<R: Relation>(row: &<R::Entity as sea_orm::EntityTrait>::Model) -> Cursor {
    Cursor::of(row, &R::sort())
}

/// A conversation's edge in `conversations` (default order).
pub(crate) fn conversation_edge(
    row: &conversation::Model,
) -> Edge<Cursor, Conversation, EmptyFields> {
    let (sort, _) = ConversationOrder::default().key();
    Edge::new(Cursor::of(row, &sort), Conversation(row.clone()))
}

/// A message's edge in `Conversation.messages`.
pub(crate) fn message_edge(row: &message::Model) -> Edge<Cursor, Message, EmptyFields> {
    Edge::new(
        cursor_in::<MessagesByConversation>(row),
        Message(row.clone()),
    )
}

/// A ticket's edge in `tickets` (default order).
pub(crate) fn ticket_edge(row: &ticket::Model) -> Edge<Cursor, Ticket, EmptyFields> {
    let (sort, _) = TicketOrder::default().key();
    Edge::new(Cursor::of(row, &sort), Ticket(row.clone()))
}

/// An edge of `Ticket.tags`: the tag, with what the ticket's link to it says.
pub type TicketTagEdge = Edge<Cursor, Tag, TicketTagLink, TicketTagEdgeName>;

/// A tag link's edge in `Ticket.tags`.
pub(crate) fn ticket_tag_edge(tag: &tag::Model, link: &ticket_tag::Model) -> TicketTagEdge {
    let fields = TicketTagLink {
        salience: link.salience,
        sentiment: link.sentiment,
        tagged_at: at(link.created_at),
    };
    Edge::with_additional_fields(
        cursor_in::<TagLinksByTicket>(link),
        Tag(tag.clone()),
        fields,
    )
}

/// A tag's edge in `Conversation.tags`, placed by its link.
pub(crate) fn conversation_tag_edge(
    tag: &tag::Model,
    link: &conversation_tag::Model,
) -> Edge<Cursor, Tag, EmptyFields> {
    Edge::new(cursor_in::<TagLinksByConversation>(link), Tag(tag.clone()))
}

/// A tag's edge in `tags`.
pub(crate) fn tag_edge(tag: &tag::Model) -> Edge<Cursor, Tag, EmptyFields> {
    Edge::new(Cursor::of(tag, &TAG_SORT), Tag(tag.clone()))
}

/// A note's edge in `Conversation.notes`.
pub(crate) fn note_edge(row: &note::Model) -> Edge<Cursor, Note, EmptyFields> {
    Edge::new(cursor_in::<NotesByConversation>(row), Note(row.clone()))
}

/// A rating's edge in `Conversation.ratings`.
pub(crate) fn rating_edge(row: &rating::Model) -> Edge<Cursor, Rating, EmptyFields> {
    Edge::new(cursor_in::<RatingsByConversation>(row), Rating(row.clone()))
}

/// A definition's edge in `customAttributeDefinitions`.
pub(crate) fn definition_edge(
    row: &custom_attribute_definition::Model,
) -> Edge<Cursor, CustomAttributeDefinition, EmptyFields> {
    Edge::new(
        Cursor::of(row, &DEFINITION_SORT),
        CustomAttributeDefinition(row.clone()),
    )
}

/// A flow's edge in `flows`.
pub(crate) fn flow_edge(row: &flow::Model) -> Edge<Cursor, Flow, EmptyFields> {
    Edge::new(Cursor::of(row, &FLOW_SORT), Flow(row.clone()))
}
