//! Erasing personal data: a conversation, a message, a person (`service::anonymize`).

mod anonymize_contact;
mod anonymize_conversation;
mod anonymize_message;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct AnonymizeWrites(
    anonymize_conversation::AnonymizeConversationMutation,
    anonymize_message::AnonymizeMessageMutation,
    anonymize_contact::AnonymizeContactMutation,
);
