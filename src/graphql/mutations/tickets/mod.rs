//! Mutations of tickets, tags, internal notes and ratings.

mod create_tag;

use async_graphql::MergedObject;

/// The ticket, tag, note and rating mutations.
#[derive(MergedObject, Default)]
pub struct TicketWrites(create_tag::CreateTagMutation);
