//! Adding messages to conversations (`service::messages`).

mod add_message;
mod rate_message;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct MessageWrites(
    add_message::AddMessageMutation,
    rate_message::RateMessageMutation,
);
