//! The `Node` interface and lookup of any object by its global ID.

use async_graphql::{Context, ID, Interface};
use entity::{
    activity, agent, assistant_queue, assistant_run, attachment, contact, conversation,
    custom_attribute_definition, flow, message, note, queue, rating, tag, ticket, webhook_delivery,
    webhook_endpoint,
};

use super::activity::Activity;
use super::agent::Agent;
use super::assistant_queued_message::AssistantQueuedMessage;
use super::assistant_run::AssistantRun;
use super::attachment::Attachment;
use super::contact::Contact;
use super::conversation::Conversation;
use super::custom_attribute::CustomAttributeDefinition;
use super::flow::Flow;
use super::message::Message;
use super::note::Note;
use super::queue::Queue;
use super::rating::Rating;
use super::tag::Tag;
use super::ticket::Ticket;
use super::webhook_delivery::WebhookDelivery;
use super::webhook_endpoint::WebhookEndpoint;
use crate::auth::Scope;
use crate::error::Result;
use crate::graphql::{require, require_reader, row};
use crate::ids::{NodeKind, decode};

/// An object with a global ID, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global ID; opaque to clients."
))]
pub enum Node {
    Activity(Activity),
    AssistantQueuedMessage(AssistantQueuedMessage),
    AssistantRun(AssistantRun),
    Agent(Agent),
    Attachment(Attachment),
    Contact(Contact),
    Conversation(Conversation),
    CustomAttributeDefinition(CustomAttributeDefinition),
    Flow(Flow),
    Message(Message),
    Note(Note),
    Queue(Queue),
    Rating(Rating),
    Tag(Tag),
    Ticket(Ticket),
    WebhookDelivery(WebhookDelivery),
    WebhookEndpoint(WebhookEndpoint),
}

/// The object behind `id` if the viewer may see it; `None` for IDs that do not
/// decode, are of another tenant, or do not exist.
pub async fn load(ctx: &Context<'_>, id: &str) -> Result<Option<Node>> {
    match decode(id) {
        Some((kind, key)) => load_row(ctx, kind, key).await,
        None => Ok(None),
    }
}

/// Row `key` of `kind` if the viewer may see it: FORBIDDEN without the scope that
/// reads `kind`, `None` when the row is of another tenant or does not exist.
pub async fn load_row(ctx: &Context<'_>, kind: NodeKind, key: i64) -> Result<Option<Node>> {
    let key = Some(key);
    match kind {
        NodeKind::Conversation
        | NodeKind::Message
        | NodeKind::Note
        | NodeKind::Rating
        | NodeKind::Activity
        | NodeKind::AssistantRun
        | NodeKind::AssistantQueuedMessage
        | NodeKind::Attachment => {
            require(ctx, Scope::ConversationRead)?;
        }
        NodeKind::Ticket => {
            require(ctx, Scope::TicketRead)?;
        }
        NodeKind::WebhookDelivery | NodeKind::WebhookEndpoint => {
            require(ctx, Scope::Admin)?;
        }
        _ => {
            require_reader(ctx)?;
        }
    }
    Ok(match kind {
        NodeKind::Activity => row::<activity::Entity>(ctx, key)
            .await?
            .map(|m| Node::Activity(Activity(m))),
        NodeKind::AssistantQueuedMessage => row::<assistant_queue::Entity>(ctx, key)
            .await?
            .map(|m| Node::AssistantQueuedMessage(AssistantQueuedMessage(m))),
        NodeKind::AssistantRun => row::<assistant_run::Entity>(ctx, key)
            .await?
            .map(|m| Node::AssistantRun(AssistantRun(m))),
        NodeKind::Agent => row::<agent::Entity>(ctx, key)
            .await?
            .map(|m| Node::Agent(Agent(m))),
        NodeKind::Attachment => match row::<attachment::Entity>(ctx, key).await? {
            Some(m) => Some(Node::Attachment(Attachment::new(ctx, m)?)),
            None => None,
        },
        NodeKind::Contact => row::<contact::Entity>(ctx, key)
            .await?
            .map(|m| Node::Contact(Contact(m))),
        NodeKind::Conversation => row::<conversation::Entity>(ctx, key)
            .await?
            .map(|m| Node::Conversation(Conversation(m))),
        NodeKind::CustomAttributeDefinition => row::<custom_attribute_definition::Entity>(ctx, key)
            .await?
            .map(|m| Node::CustomAttributeDefinition(CustomAttributeDefinition(m))),
        NodeKind::Flow => row::<flow::Entity>(ctx, key)
            .await?
            .map(|m| Node::Flow(Flow(m))),
        NodeKind::Message => row::<message::Entity>(ctx, key)
            .await?
            .map(|m| Node::Message(Message(m))),
        NodeKind::Note => row::<note::Entity>(ctx, key)
            .await?
            .map(|m| Node::Note(Note(m))),
        NodeKind::Queue => row::<queue::Entity>(ctx, key)
            .await?
            .map(|m| Node::Queue(Queue(m))),
        NodeKind::Rating => row::<rating::Entity>(ctx, key)
            .await?
            .map(|m| Node::Rating(Rating(m))),
        NodeKind::Tag => row::<tag::Entity>(ctx, key)
            .await?
            .map(|m| Node::Tag(Tag(m))),
        NodeKind::Ticket => row::<ticket::Entity>(ctx, key)
            .await?
            .map(|m| Node::Ticket(Ticket(m))),
        NodeKind::WebhookDelivery => row::<webhook_delivery::Entity>(ctx, key)
            .await?
            .map(|m| Node::WebhookDelivery(WebhookDelivery(m))),
        NodeKind::WebhookEndpoint => row::<webhook_endpoint::Entity>(ctx, key)
            .await?
            .map(|m| Node::WebhookEndpoint(WebhookEndpoint(m))),
    })
}
