//! The query root, merged from one object per area of the graph.

mod activity;
mod assistant;
pub(crate) mod conversations;
mod directory;
mod federation;
mod node;
mod rate_limit;
mod ratings;
mod search;
mod tags;
mod tickets;
mod webhooks;

use async_graphql::{Enum, MergedObject, ObjectType};
pub(crate) use conversations::ConversationOrder;
pub(crate) use directory::{DEFINITION_SORT, FLOW_SORT};
pub use federation::{EntityQuery, NoEntities};
use sea_orm::Order;
pub(crate) use tags::TAG_SORT;
pub(crate) use tickets::TicketOrder;

// `E` is `NoEntities`, or `EntityQuery` in a federation subgraph (the doc comment
// below is the SDL's description of `Query`, the same in both).
/// Every read of the graph.
#[derive(MergedObject, Default)]
pub struct Query<E: ObjectType = NoEntities>(
    node::NodeQuery,
    conversations::ConversationQuery,
    tickets::TicketQuery,
    tags::TagQuery,
    directory::DirectoryQuery,
    activity::ActivityQuery,
    ratings::RatingQuery,
    search::SearchQueryRoot,
    rate_limit::RateLimitQuery,
    assistant::AssistantQuery,
    webhooks::WebhookQuery,
    E,
);

/// Sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum OrderDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    #[default]
    Desc,
}

impl From<OrderDirection> for Order {
    fn from(d: OrderDirection) -> Order {
        match d {
            OrderDirection::Asc => Order::Asc,
            OrderDirection::Desc => Order::Desc,
        }
    }
}
