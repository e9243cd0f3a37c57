//! Snoozing conversations (`service::snooze`).

mod snooze_conversation;
mod unsnooze_conversation;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct SnoozeWrites(
    snooze_conversation::SnoozeConversationMutation,
    unsnooze_conversation::UnsnoozeConversationMutation,
);
