//! Creating, claiming, closing, reopening, transferring and tagging conversations (`service::conversations`).

mod claim_conversation;
mod close_conversation;
mod create_conversation;
mod reopen_conversation;
mod tag_conversation;
mod transfer_conversation;
mod untag_conversation;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct ConversationWrites(
    create_conversation::CreateConversationMutation,
    claim_conversation::ClaimConversationMutation,
    close_conversation::CloseConversationMutation,
    reopen_conversation::ReopenConversationMutation,
    transfer_conversation::TransferConversationMutation,
    tag_conversation::TagConversationMutation,
    untag_conversation::UntagConversationMutation,
);
