//! The mutation root, merged from one folder per service module, and in each one
//! file per mutation: its input, its payload and its resolver.

mod anonymize;
mod assistant;
mod attributes;
mod conversations;
pub(crate) mod edges;
mod flows;
mod import;
mod merge;
mod messages;
mod notes;
mod ratings;
mod snooze;
mod tags;
mod tickets;
mod voice;
mod webhooks;

use async_graphql::{ID, MergedObject};

use crate::error::{Error, Result, UserError};
use crate::ids::{NodeKind, decode_as};

/// Every write of the graph. Each runs in one transaction that also writes its
/// Activity entry; refused business rules come back as `userErrors`.
#[derive(MergedObject, Default)]
pub struct Mutation(
    conversations::ConversationWrites,
    import::ImportWrites,
    messages::MessageWrites,
    anonymize::AnonymizeWrites,
    attributes::AttributeWrites,
    tags::TagWrites,
    tickets::TicketWrites,
    notes::NoteWrites,
    ratings::RatingWrites,
    flows::FlowWrites,
    merge::MergeWrites,
    snooze::SnoozeWrites,
    voice::VoiceWrites,
    assistant::AssistantWrites,
    webhooks::WebhookWrites,
);

/// The row id behind an input ID of `kind`; anything else is NOT_FOUND.
pub fn input_id(id: &ID, kind: NodeKind) -> Result<i64> {
    decode_as(id, kind)
        .ok_or_else(|| Error::NotFound(format!("{} `{}`", kind.name(), truncate(id))))
}

/// An optional input ID of `kind`.
pub fn input_id_opt(id: Option<&ID>, kind: NodeKind) -> Result<Option<i64>> {
    id.map(|id| input_id(id, kind)).transpose()
}

fn truncate(id: &str) -> &str {
    id.get(..id.len().min(64)).unwrap_or("")
}

/// Splits a service's outcome into what a payload shows: the changed object, or
/// the business rule that refused the change. Other errors stay GraphQL errors.
pub fn settle<T>(outcome: Result<T>) -> Result<(Option<T>, Vec<UserError>)> {
    match outcome {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(Error::User(refusal)) => Ok((None, vec![refusal])),
        Err(other) => Err(other),
    }
}
