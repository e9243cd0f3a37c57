//! Merging conversations (`service::merge`).

mod merge_conversations;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct MergeWrites(merge_conversations::MergeConversationsMutation);
