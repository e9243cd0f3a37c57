//! Mutations of conversations and what lives in them (messages, tags, attributes).

mod claim_conversation;

use async_graphql::MergedObject;

/// The conversation mutations.
#[derive(MergedObject, Default)]
pub struct ConversationWrites(claim_conversation::ClaimConversationMutation);
