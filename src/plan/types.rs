//! The part of the graph a plan can answer from the database alone: object types
//! whose fields are columns, to-one references and paged relations, each field
//! exactly what its resolver in `graphql::types` returns. A field missing here
//! (computed, viewer-dependent, a union) sends its operation through async-graphql.

use crate::ids::NodeKind;

/// What reading a type's fields needs (the type's `Read` guard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// `conversation:read`.
    Conversations,
    /// `ticket:read`.
    Tickets,
    /// Either read scope (reference data).
    Reference,
}

/// How a column becomes its JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text, integers, floats and enums (stored as their GraphQL names), as stored.
    Plain,
    /// A boolean (SQLite keeps 0 and 1).
    Bool,
    /// Microseconds since the epoch, as a `DateTime` (RFC 3339, `+00:00`).
    Time,
    /// The row's global ID.
    Id(NodeKind),
}

/// A field of an object type.
#[derive(Debug, Clone, Copy)]
pub enum FieldDef {
    /// A column of the type's table.
    Column(&'static str, Kind),
    /// The row of another type that a column of this one refers to.
    One {
        column: &'static str,
        target: &'static TypeDef,
    },
    /// A page of rows that refer to this one.
    Many(&'static Many),
}

/// An object type: its table and fields.
#[derive(Debug)]
pub struct TypeDef {
    pub name: &'static str,
    pub table: &'static str,
    pub needs: Needs,
    pub fields: &'static [(&'static str, FieldDef)],
}

impl TypeDef {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<FieldDef> {
        self.fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, def)| *def)
    }
}

/// A to-many relation, paged like its loader (`loader::relations`).
#[derive(Debug)]
pub struct Many {
    /// The rows' table.
    pub table: &'static str,
    /// The rows' column holding the parent's id.
    pub parent: &'static str,
    /// The keyset, ascending.
    pub sort: [&'static str; 2],
    /// The nodes' type; for a tag link table, the tag, joined by `tag_id`.
    pub node: &'static TypeDef,
    /// The connection's and its edges' type names.
    pub names: [&'static str; 2],
    /// Whether the rows are tag links whose nodes are tags.
    pub links_tags: bool,
    /// The fields of its edges beyond `node` and `cursor`.
    pub edge: &'static [(&'static str, &'static str, Kind)],
    /// What the edge fields need.
    pub edge_needs: Needs,
    /// What the relation itself needs beyond its parent's type.
    pub needs: Option<Needs>,
}

use FieldDef::{Column, Many as M, One};
use Kind::{Bool, Id, Plain, Time};

pub static CONVERSATION: TypeDef = TypeDef {
    name: "Conversation",
    table: "conversations",
    needs: Needs::Conversations,
    fields: &[
        ("id", Column("id", Id(NodeKind::Conversation))),
        ("number", Column("number", Plain)),
        ("externalId", Column("external_id", Plain)),
        ("channel", Column("channel", Plain)),
        ("direction", Column("direction", Plain)),
        ("state", Column("state", Plain)),
        ("subject", Column("subject", Plain)),
        ("language", Column("language", Plain)),
        ("source", Column("source", Plain)),
        ("sentimentTrend", Column("sentiment_trend", Plain)),
        ("assignedAt", Column("assigned_at", Time)),
        ("queuedAt", Column("queued_at", Time)),
        ("snoozedUntil", Column("snoozed_until", Time)),
        ("createdAt", Column("created_at", Time)),
        ("updatedAt", Column("updated_at", Time)),
        ("stateUpdatedAt", Column("state_updated_at", Time)),
        ("closedAt", Column("closed_at", Time)),
        ("anonymizedAt", Column("anonymized_at", Time)),
        (
            "requester",
            One {
                column: "requester_id",
                target: &CONTACT,
            },
        ),
        (
            "assignee",
            One {
                column: "assignee_id",
                target: &AGENT,
            },
        ),
        (
            "queue",
            One {
                column: "queue_id",
                target: &QUEUE,
            },
        ),
        (
            "lastMessage",
            One {
                column: "last_message_id",
                target: &MESSAGE,
            },
        ),
        (
            "mergedInto",
            One {
                column: "merged_into_id",
                target: &CONVERSATION,
            },
        ),
        (
            "parent",
            One {
                column: "parent_id",
                target: &CONVERSATION,
            },
        ),
        ("messages", M(&MESSAGES)),
        ("notes", M(&NOTES)),
        ("ratings", M(&RATINGS)),
        ("tickets", M(&TICKETS)),
        ("tags", M(&CONVERSATION_TAGS)),
    ],
};

pub static MESSAGE: TypeDef = TypeDef {
    name: "Message",
    table: "messages",
    needs: Needs::Conversations,
    fields: &[
        ("id", Column("id", Id(NodeKind::Message))),
        ("direction", Column("direction", Plain)),
        ("role", Column("role", Plain)),
        ("text", Column("text", Plain)),
        ("html", Column("html", Plain)),
        ("language", Column("language", Plain)),
        ("externalId", Column("external_id", Plain)),
        ("languageConfidence", Column("language_confidence", Plain)),
        ("modality", Column("modality", Plain)),
        ("sentiment", Column("sentiment", Plain)),
        ("rating", Column("rating", Plain)),
        ("createdAt", Column("created_at", Time)),
        ("anonymizedAt", Column("anonymized_at", Time)),
        (
            "conversation",
            One {
                column: "conversation_id",
                target: &CONVERSATION,
            },
        ),
    ],
};

pub static NOTE: TypeDef = TypeDef {
    name: "Note",
    table: "notes",
    needs: Needs::Conversations,
    fields: &[
        ("id", Column("id", Id(NodeKind::Note))),
        ("body", Column("body", Plain)),
        ("createdAt", Column("created_at", Time)),
        (
            "author",
            One {
                column: "author_id",
                target: &AGENT,
            },
        ),
        (
            "conversation",
            One {
                column: "conversation_id",
                target: &CONVERSATION,
            },
        ),
    ],
};

pub static RATING: TypeDef = TypeDef {
    name: "Rating",
    table: "ratings",
    needs: Needs::Conversations,
    fields: &[
        ("id", Column("id", Id(NodeKind::Rating))),
        ("ratingType", Column("rating_type", Plain)),
        ("status", Column("status", Plain)),
        ("score", Column("score", Plain)),
        ("comment", Column("comment", Plain)),
        ("language", Column("language", Plain)),
        ("offeredAt", Column("offered_at", Time)),
        ("submittedAt", Column("submitted_at", Time)),
        (
            "agent",
            One {
                column: "agent_id",
                target: &AGENT,
            },
        ),
        (
            "contact",
            One {
                column: "contact_id",
                target: &CONTACT,
            },
        ),
        (
            "conversation",
            One {
                column: "conversation_id",
                target: &CONVERSATION,
            },
        ),
    ],
};

pub static TICKET: TypeDef = TypeDef {
    name: "Ticket",
    table: "tickets",
    needs: Needs::Tickets,
    fields: &[
        ("id", Column("id", Id(NodeKind::Ticket))),
        ("number", Column("number", Plain)),
        ("externalId", Column("external_id", Plain)),
        ("source", Column("source", Plain)),
        ("sender", Column("sender", Plain)),
        ("originalText", Column("original_text", Plain)),
        ("originalHtml", Column("original_html", Plain)),
        ("cleanestBody", Column("cleanest_body", Plain)),
        ("status", Column("status", Plain)),
        ("priority", Column("priority", Plain)),
        ("slaDueAt", Column("sla_due_at", Time)),
        ("aiResolved", Column("ai_resolved", Bool)),
        ("escalationReason", Column("escalation_reason", Plain)),
        ("unread", Column("unread", Bool)),
        ("createdAt", Column("created_at", Time)),
        ("updatedAt", Column("updated_at", Time)),
        ("tags", M(&TICKET_TAGS)),
    ],
};

pub static TAG: TypeDef = TypeDef {
    name: "Tag",
    table: "tags",
    needs: Needs::Reference,
    fields: &[
        ("id", Column("id", Id(NodeKind::Tag))),
        ("name", Column("name", Plain)),
        ("state", Column("state", Plain)),
        ("relevant", Column("relevant", Bool)),
        ("score", Column("score", Plain)),
        ("ticketsCount", Column("tickets_count", Plain)),
        ("conversationsCount", Column("conversations_count", Plain)),
        ("createdAt", Column("created_at", Time)),
    ],
};

pub static AGENT: TypeDef = TypeDef {
    name: "Agent",
    table: "agents",
    needs: Needs::Reference,
    fields: &[
        ("id", Column("id", Id(NodeKind::Agent))),
        ("name", Column("name", Plain)),
        ("email", Column("email", Plain)),
        ("role", Column("role", Plain)),
    ],
};

pub static QUEUE: TypeDef = TypeDef {
    name: "Queue",
    table: "queues",
    needs: Needs::Reference,
    fields: &[
        ("id", Column("id", Id(NodeKind::Queue))),
        ("name", Column("name", Plain)),
    ],
};

pub static CONTACT: TypeDef = TypeDef {
    name: "Contact",
    table: "contacts",
    needs: Needs::Reference,
    fields: &[
        ("id", Column("id", Id(NodeKind::Contact))),
        ("email", Column("email", Plain)),
        ("firstName", Column("first_name", Plain)),
        ("lastName", Column("last_name", Plain)),
        ("organizationName", Column("organization_name", Plain)),
        ("organizationDomain", Column("organization_domain", Plain)),
        ("avatarUrl", Column("avatar_url", Plain)),
        ("externalId", Column("external_id", Plain)),
        ("anonymizedAt", Column("anonymized_at", Time)),
    ],
};

static MESSAGES: Many = Many {
    table: "messages",
    parent: "conversation_id",
    sort: ["created_at", "id"],
    node: &MESSAGE,
    names: ["MessageConnection", "MessageEdge"],
    links_tags: false,
    edge: &[],
    edge_needs: Needs::Conversations,
    needs: None,
};

static NOTES: Many = Many {
    table: "notes",
    parent: "conversation_id",
    sort: ["created_at", "id"],
    node: &NOTE,
    names: ["NoteConnection", "NoteEdge"],
    links_tags: false,
    edge: &[],
    edge_needs: Needs::Conversations,
    needs: None,
};

static RATINGS: Many = Many {
    table: "ratings",
    parent: "conversation_id",
    sort: ["offered_at", "id"],
    node: &RATING,
    names: ["RatingConnection", "RatingEdge"],
    links_tags: false,
    edge: &[],
    edge_needs: Needs::Conversations,
    needs: None,
};

static TICKETS: Many = Many {
    table: "tickets",
    parent: "conversation_id",
    sort: ["created_at", "id"],
    node: &TICKET,
    names: ["TicketConnection", "TicketEdge"],
    links_tags: false,
    edge: &[],
    edge_needs: Needs::Tickets,
    needs: Some(Needs::Tickets),
};

static CONVERSATION_TAGS: Many = Many {
    table: "conversation_tags",
    parent: "conversation_id",
    sort: ["created_at", "tag_id"],
    node: &TAG,
    names: ["TagConnection", "TagEdge"],
    links_tags: true,
    edge: &[],
    edge_needs: Needs::Reference,
    needs: None,
};

static TICKET_TAGS: Many = Many {
    table: "ticket_tags",
    parent: "ticket_id",
    sort: ["created_at", "tag_id"],
    node: &TAG,
    names: ["TicketTagConnection", "TicketTagEdge"],
    links_tags: true,
    edge: &[
        ("salience", "salience", Plain),
        ("sentiment", "sentiment", Plain),
        ("taggedAt", "created_at", Time),
    ],
    edge_needs: Needs::Tickets,
    needs: None,
};
