//! The mutation root, merged from one object per mutation.

use async_graphql::MergedObject;

use super::mutations::{ConversationWrites, TicketWrites};

/// Every write of the graph. Each runs in one transaction that also writes its
/// Activity entry; refused business rules come back as `userErrors`.
#[derive(MergedObject, Default)]
pub struct Mutation(ConversationWrites, TicketWrites);
