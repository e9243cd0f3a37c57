//! The to-many relations of the graph, each a loader key type.

use entity::{activity, conversation, conversation_tag, message, note, rating, ticket, ticket_tag};
use sea_orm::{EntityTrait, Order};

use super::{Relation, TagLinkRelation};

macro_rules! relation {
    ($(#[$doc:meta])* $name:ident: $table:ident by $parent:ident, sorted by $a:ident, $b:ident $(, $order:ident)?) => {
        $(#[$doc])*
        pub struct $name;

        impl Relation for $name {
            type Entity = $table::Entity;
            fn parent() -> <Self::Entity as EntityTrait>::Column {
                $table::Column::$parent
            }
            fn sort() -> [<Self::Entity as EntityTrait>::Column; 2] {
                [$table::Column::$a, $table::Column::$b]
            }
            $(fn order() -> Order {
                Order::$order
            })?
        }
    };
}

relation!(
    /// A conversation's messages, oldest first.
    MessagesByConversation: message by ConversationId, sorted by CreatedAt, Id
);
relation!(
    /// A conversation's tickets, oldest first.
    TicketsByConversation: ticket by ConversationId, sorted by CreatedAt, Id
);
relation!(
    /// A conversation's internal notes, oldest first.
    NotesByConversation: note by ConversationId, sorted by CreatedAt, Id
);
relation!(
    /// A conversation's ratings, oldest first.
    RatingsByConversation: rating by ConversationId, sorted by OfferedAt, Id
);
relation!(
    /// A conversation's audit log, newest first.
    ActivityByConversation: activity by ConversationId, sorted by OccurredAt, Id, Desc
);
relation!(
    /// A conversation's tag links, in the order they were added.
    TagLinksByConversation: conversation_tag by ConversationId, sorted by CreatedAt, TagId
);
relation!(
    /// A ticket's tag links (with salience and sentiment), in the order they were added.
    TagLinksByTicket: ticket_tag by TicketId, sorted by CreatedAt, TagId
);
relation!(
    /// Side conversations whose parent is the conversation, oldest first.
    LinkedConversations: conversation by ParentId, sorted by CreatedAt, Id
);

impl TagLinkRelation for TagLinksByConversation {
    fn tag() -> <Self::Entity as EntityTrait>::Column {
        conversation_tag::Column::TagId
    }
}

impl TagLinkRelation for TagLinksByTicket {
    fn tag() -> <Self::Entity as EntityTrait>::Column {
        ticket_tag::Column::TagId
    }
}
