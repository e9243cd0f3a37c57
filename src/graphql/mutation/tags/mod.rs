//! The tenant's tag vocabulary (`service::tags`).

mod create_tag;
mod update_tag;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct TagWrites(create_tag::CreateTagMutation, update_tag::UpdateTagMutation);
