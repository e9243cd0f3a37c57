//! Apollo Federation's entity lookups: what `_entities(representations:)` resolves
//! when Parley runs as a subgraph (`--federation`). A representation
//! `{ __typename, id }` is found the way `node(id:)` finds it: in the viewer's
//! tenant, with the same read scopes, null when it is not there.

use async_graphql::{Context, ID, Object, Result};

use crate::error::Error;
use crate::graphql::types::agent::Agent;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::node::{Node, load_row};
use crate::graphql::types::ticket::Ticket;
use crate::ids::{NodeKind, decode_as};

/// The entity resolvers of the subgraph's query root. Each gives its type
/// `@key(fields: "id")` in the subgraph SDL; none is a field of its own.
#[derive(Default)]
pub struct EntityQuery;

#[Object]
impl EntityQuery {
    /// A conversation by its global ID.
    #[graphql(entity)]
    async fn conversation_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Conversation>> {
        Ok(match entity(ctx, &id, NodeKind::Conversation).await? {
            Some(Node::Conversation(conversation)) => Some(conversation),
            _ => None,
        })
    }

    /// A ticket by its global ID.
    #[graphql(entity)]
    async fn ticket_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Ticket>> {
        Ok(match entity(ctx, &id, NodeKind::Ticket).await? {
            Some(Node::Ticket(ticket)) => Some(ticket),
            _ => None,
        })
    }

    /// A contact by its global ID.
    #[graphql(entity)]
    async fn contact_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Contact>> {
        Ok(match entity(ctx, &id, NodeKind::Contact).await? {
            Some(Node::Contact(contact)) => Some(contact),
            _ => None,
        })
    }

    /// An agent by its global ID.
    #[graphql(entity)]
    async fn agent_entity(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Agent>> {
        Ok(match entity(ctx, &id, NodeKind::Agent).await? {
            Some(Node::Agent(agent)) => Some(agent),
            _ => None,
        })
    }
}

/// The object of `kind` behind a representation's `id`, as `node(id:)` loads it. An
/// `id` that is not a global ID of `kind` is BAD_USER_INPUT: this subgraph never gave
/// it out as that type's key.
async fn entity(ctx: &Context<'_>, id: &str, kind: NodeKind) -> crate::error::Result<Option<Node>> {
    let key = decode_as(id, kind).ok_or_else(|| {
        let shown: String = id.chars().take(40).collect();
        Error::bad_input(format!("`{shown}` is not a {} ID", kind.name()))
    })?;
    load_row(ctx, kind, key).await
}

/// What the query root holds in place of [`EntityQuery`] when Parley is not a
/// subgraph: nothing, so the schema has no `_entities`, `_service` or `@key`.
/// async-graphql's object without fields (an object type needs a field, so the
/// derive cannot make one); it merges nothing into `Query`.
pub type NoEntities = async_graphql::EmptyMutation;
