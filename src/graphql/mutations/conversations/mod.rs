//! Mutations of conversations and what lives in them (messages, tags, attributes).

mod add_message;
mod anonymize_contact;
mod anonymize_conversation;
mod anonymize_message;
mod claim_conversation;
mod close_conversation;
mod create_conversation;
mod import_conversation;
mod reopen_conversation;
mod set_custom_attributes;
mod tag_conversation;
mod transfer_conversation;
mod untag_conversation;

use async_graphql::MergedObject;
use async_graphql::connection::{Edge, EmptyFields};
use entity::{conversation, message};

use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::message::Message;
use crate::pagination::{Cursor, KeyPart};

/// The conversation mutations.
#[derive(MergedObject, Default)]
pub struct ConversationWrites(
    create_conversation::CreateConversationMutation,
    import_conversation::ImportConversationMutation,
    claim_conversation::ClaimConversationMutation,
    close_conversation::CloseConversationMutation,
    reopen_conversation::ReopenConversationMutation,
    transfer_conversation::TransferConversationMutation,
    tag_conversation::TagConversationMutation,
    untag_conversation::UntagConversationMutation,
    add_message::AddMessageMutation,
    anonymize_conversation::AnonymizeConversationMutation,
    anonymize_message::AnonymizeMessageMutation,
    anonymize_contact::AnonymizeContactMutation,
    set_custom_attributes::SetCustomAttributesMutation,
);

/// A conversation's edge in `conversations` (default order: updatedAt, then id).
fn conversation_edge(row: &conversation::Model) -> Edge<Cursor, Conversation, EmptyFields> {
    let cursor = Cursor(vec![KeyPart::Int(row.updated_at), KeyPart::Int(row.id)]);
    Edge::new(cursor, Conversation(row.clone()))
}

/// A message's edge in `Conversation.messages` (oldest first: createdAt, then id).
fn message_edge(row: &message::Model) -> Edge<Cursor, Message, EmptyFields> {
    let cursor = Cursor(vec![KeyPart::Int(row.created_at), KeyPart::Int(row.id)]);
    Edge::new(cursor, Message(row.clone()))
}
