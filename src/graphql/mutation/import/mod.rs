//! Importing a conversation with its history from another system (`service::import`).

mod import_conversation;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct ImportWrites(import_conversation::ImportConversationMutation);
