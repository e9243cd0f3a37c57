//! The rules every service shares: limits, lookups in the tenant, the checks of
//! values and states, and the refusals they give. One home for each, so that two
//! services cannot drift apart on the same rule; it imports no other service.

use chrono::{DateTime, Utc};
use entity::enums::ConversationState;
use entity::{agent, conversation, conversation_tag, message, ticket, ticket_tag};
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, QueryFilter, QuerySelect};

use crate::db::{Tenanted, scoped};
use crate::error::{Error, Result, UserError, UserErrorCode};
use crate::loader::HasId;

/// Largest HTML body (of a message, or a ticket's `originalHtml`), in bytes.
pub const MAX_HTML: usize = 100 * 1024;
/// Largest plain text (of a message, or a ticket's `originalText`), in bytes.
pub const MAX_TEXT: usize = 100 * 1024;
/// Longest external id of a conversation or message.
pub const MAX_EXTERNAL_ID: usize = 200;
/// Longest subject.
pub const MAX_SUBJECT: usize = 1000;
/// Longest language tag.
pub const MAX_LANGUAGE: usize = 35;
/// Largest JSON object a client stores on a row (metadata, traits), serialized.
pub const MAX_JSON: usize = 16 * 1024;
/// Longest name of a source system, flow or attribute.
pub const MAX_NAME: usize = 200;

/// The row `id` of table `E` in the tenant, or NOT_FOUND naming `what`.
pub async fn find_in<E: HasId>(
    tx: &DatabaseTransaction,
    tenant: &str,
    id: i64,
    what: &str,
) -> Result<E::Model> {
    scoped::<E>(tenant)
        .filter(E::id_column().eq(id))
        .one(tx)
        .await?
        .ok_or_else(|| Error::NotFound(what.into()))
}

/// The conversation `id` of the tenant, or NOT_FOUND.
pub async fn find_conversation(
    tx: &DatabaseTransaction,
    tenant: &str,
    id: i64,
) -> Result<conversation::Model> {
    find_in::<conversation::Entity>(tx, tenant, id, "conversation").await
}

/// The agent `id` of the tenant, or NOT_FOUND.
pub async fn find_agent(tx: &DatabaseTransaction, tenant: &str, id: i64) -> Result<agent::Model> {
    find_in::<agent::Entity>(tx, tenant, id, "agent").await
}

/// The conversation `id` of the tenant, locked for this transaction (`SELECT ... FOR
/// UPDATE`), or NOT_FOUND. Concurrent changes of the conversation that lock it first
/// take turns, each reading what the one before it committed. SQLite has no row
/// locks and needs none: its transactions take the write lock at `begin`.
pub async fn lock_conversation(
    tx: &DatabaseTransaction,
    tenant: &str,
    id: i64,
) -> Result<conversation::Model> {
    scoped::<conversation::Entity>(tenant)
        .filter(conversation::Column::Id.eq(id))
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or_else(|| Error::NotFound("conversation".into()))
}

/// A link table between a tagged row (a conversation, a ticket) and a tag.
pub trait TagLinks: Tenanted {
    /// The column of the tagged row.
    fn owner_column() -> Self::Column;
    /// The column of the tag.
    fn tag_column() -> Self::Column;

    /// The link of `tag_id` to the row `owner_id` in `tenant`, for a find or a delete.
    fn link(tenant: &str, owner_id: i64, tag_id: i64) -> Condition {
        Condition::all()
            .add(Self::tenant_column().eq(tenant))
            .add(Self::owner_column().eq(owner_id))
            .add(Self::tag_column().eq(tag_id))
    }
}

impl TagLinks for conversation_tag::Entity {
    fn owner_column() -> Self::Column {
        conversation_tag::Column::ConversationId
    }
    fn tag_column() -> Self::Column {
        conversation_tag::Column::TagId
    }
}

impl TagLinks for ticket_tag::Entity {
    fn owner_column() -> Self::Column {
        ticket_tag::Column::TicketId
    }
    fn tag_column() -> Self::Column {
        ticket_tag::Column::TagId
    }
}

/// The link of `tag_id` to the row `owner_id` in table `E`, if there is one.
pub async fn find_link<E: TagLinks>(
    tx: &DatabaseTransaction,
    tenant: &str,
    owner_id: i64,
    tag_id: i64,
) -> Result<Option<E::Model>> {
    Ok(E::find()
        .filter(E::link(tenant, owner_id, tag_id))
        .one(tx)
        .await?)
}

/// A table whose rows may carry a client's external id, unique per tenant.
pub trait ExternalIds: Tenanted {
    /// What a row is, for the refusal ("conversation").
    const WHAT: &'static str;
    /// The external id column.
    fn external_id_column() -> Self::Column;
}

impl ExternalIds for conversation::Entity {
    const WHAT: &'static str = "conversation";
    fn external_id_column() -> Self::Column {
        conversation::Column::ExternalId
    }
}

impl ExternalIds for message::Entity {
    const WHAT: &'static str = "message";
    fn external_id_column() -> Self::Column {
        message::Column::ExternalId
    }
}

impl ExternalIds for ticket::Entity {
    const WHAT: &'static str = "ticket";
    fn external_id_column() -> Self::Column {
        ticket::Column::ExternalId
    }
}

/// Refuses an external id another row of `E` in the tenant has. The answer for the
/// common case; a concurrent insert of the same id is caught by the unique index
/// (see `Error::from(DbErr)`).
pub async fn check_external_id_free<E: ExternalIds>(
    tx: &DatabaseTransaction,
    tenant: &str,
    external_id: Option<&str>,
) -> Result<()> {
    let Some(external_id) = external_id else {
        return Ok(());
    };
    if scoped::<E>(tenant)
        .filter(E::external_id_column().eq(external_id))
        .one(tx)
        .await?
        .is_some()
    {
        return Err(UserError::duplicate_external_id(E::WHAT).into());
    }
    Ok(())
}

/// INVALID_VALUE about `field`.
pub fn invalid(field: &[&str], message: impl Into<String>) -> Error {
    UserError::new(UserErrorCode::InvalidValue, field, message).into()
}

/// A trimmed optional text of at most `max` characters (empty means none), or a
/// refusal about `field`.
pub fn valid_text(value: Option<&str>, field: &str, max: usize) -> Result<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(invalid(&[field], format!("at most {max} characters")));
    }
    Ok(Some(value.to_owned()))
}

/// A valid external id (1 to [`MAX_EXTERNAL_ID`] bytes), or a refusal about `field`.
pub fn valid_external_id(external_id: Option<&str>, field: &str) -> Result<Option<String>> {
    match external_id {
        None => Ok(None),
        Some(id) if id.trim().is_empty() || id.len() > MAX_EXTERNAL_ID => Err(invalid(
            &[field],
            format!("an external id must be 1 to {MAX_EXTERNAL_ID} characters"),
        )),
        Some(id) => Ok(Some(id.to_owned())),
    }
}

/// A client's JSON object, serialized for its TEXT column: anything but an object, or
/// more than [`MAX_JSON`] bytes of it, is a refusal about `field`.
pub fn valid_json_object(value: Option<&serde_json::Value>, field: &str) -> Result<Option<String>> {
    let Some(value) = value else {
        return Ok(None);
    };
    if !value.is_object() {
        return Err(invalid(&[field], "must be a JSON object"));
    }
    let text = value.to_string();
    if text.len() > MAX_JSON {
        return Err(invalid(
            &[field],
            format!("at most {} KB of JSON", MAX_JSON / 1024),
        ));
    }
    Ok(Some(text))
}

/// A time the client gives for history it loads (`createdAt`), which cannot be
/// later than `now`.
pub fn valid_past(at: Option<i64>, now: i64, field: &str) -> Result<i64> {
    match at {
        Some(at) if at > now => Err(invalid(&[field], "must not be in the future")),
        Some(at) => Ok(at),
        None => Ok(now),
    }
}

/// A message rating: -1 (bad), 0 (neutral) or 1 (good).
pub fn valid_message_rating(rating: Option<i32>, field: &str) -> Result<Option<i32>> {
    match rating {
        Some(r) if !(-1..=1).contains(&r) => Err(invalid(&[field], "must be -1, 0 or 1")),
        rating => Ok(rating),
    }
}

/// Puts a refusal about a field of an item under the item's path: `["input", "text"]`
/// becomes `["input", "messages", "3", "text"]` for `prefix = ["messages", "3"]`.
pub fn nest(err: Error, prefix: &[&str]) -> Error {
    match err {
        Error::User(mut refusal) => {
            let inner = refusal
                .field
                .take()
                .map(|f| f.into_iter().skip(1).collect::<Vec<_>>())
                .unwrap_or_default();
            refusal.field = Some(
                std::iter::once("input")
                    .chain(prefix.iter().copied())
                    .map(String::from)
                    .chain(inner)
                    .collect(),
            );
            Error::User(refusal)
        }
        other => other,
    }
}

/// Refuses changes to a CLOSED conversation.
pub fn check_open(conv: &conversation::Model) -> Result<()> {
    if conv.state == ConversationState::Closed {
        return Err(UserError::new(
            UserErrorCode::ConversationClosed,
            &["conversationId"],
            "the conversation is closed; reopen it first",
        )
        .into());
    }
    Ok(())
}

/// Refuses the change with CONFLICT when the object changed after `expected`.
pub fn check_unchanged(updated_at: i64, expected: Option<DateTime<Utc>>) -> Result<()> {
    match expected {
        Some(expected) if expected.timestamp_micros() != updated_at => Err(UserError::new(
            UserErrorCode::Conflict,
            &["expectedUpdatedAt"],
            "the object was changed by someone else since; reload it and try again",
        )
        .into()),
        _ => Ok(()),
    }
}

/// CONFLICT about `field`: a concurrent change of the `what` (a "conversation", a
/// "ticket") won the race for the row this change saw.
pub fn changed_meanwhile(field: &str, what: &str) -> Error {
    UserError::new(
        UserErrorCode::Conflict,
        &[field],
        format!("the {what} was changed by someone else meanwhile; reload it and try again"),
    )
    .into()
}

/// TAG_INACTIVE about `field`: an INACTIVE tag stays on what carries it, but is not
/// put on anything anew.
pub fn tag_inactive(field: &[&str]) -> Error {
    UserError::new(
        UserErrorCode::TagInactive,
        field,
        "the tag is inactive and cannot be added anew",
    )
    .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
pub(super) mod tests {
    use chrono::TimeZone;
    use entity::enums::{Channel, Direction};

    use super::*;

    /// A conversation of tenant `t` in `state`, assigned to `assignee_id`, for the
    /// service's unit tests.
    pub(in crate::service) fn conversation_in(
        state: ConversationState,
        assignee_id: Option<i64>,
    ) -> conversation::Model {
        conversation::Model {
            id: 1,
            tenant_id: "t".into(),
            number: 1,
            external_id: None,
            channel: Channel::Api,
            direction: Direction::Inbound,
            state,
            subject: None,
            language: None,
            requester_id: None,
            assignee_id,
            assigned_at: None,
            queue_id: None,
            queued_at: None,
            parent_id: None,
            last_message_id: None,
            sentiment_trend: None,
            version: 1,
            created_at: 0,
            updated_at: 0,
            state_updated_at: 0,
            closed_at: None,
            anonymized_at: None,
            source: None,
            metadata: None,
            merged_into_id: None,
            snoozed_until: None,
        }
    }

    /// The refusal in `result`, or a panic.
    fn refusal<T: std::fmt::Debug>(result: Result<T>) -> UserError {
        match result {
            Err(Error::User(err)) => err,
            other => panic!("not refused: {other:?}"),
        }
    }

    fn field(path: &[&str]) -> Option<Vec<String>> {
        Some(path.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(valid_text(None, "subject", 5).unwrap(), None);
        assert_eq!(valid_text(Some("   "), "subject", 5).unwrap(), None);
        assert_eq!(
            valid_text(Some("  hello "), "subject", 5)
                .unwrap()
                .as_deref(),
            Some("hello")
        );
        // Characters, not bytes: five umlauts are ten bytes.
        assert_eq!(
            valid_text(Some("ääääß"), "subject", 5).unwrap().as_deref(),
            Some("ääääß")
        );
        let err = refusal(valid_text(Some("hello!"), "subject", 5));
        assert_eq!(err.code, UserErrorCode::InvalidValue);
        assert_eq!(err.field, field(&["input", "subject"]));
        assert_eq!(err.message, "at most 5 characters");
    }

    #[test]
    fn external_ids_are_one_to_two_hundred_bytes() {
        assert_eq!(valid_external_id(None, "externalId").unwrap(), None);
        assert_eq!(
            valid_external_id(Some("ext-1"), "externalId")
                .unwrap()
                .as_deref(),
            Some("ext-1")
        );
        let longest = "x".repeat(MAX_EXTERNAL_ID);
        assert!(valid_external_id(Some(&longest), "externalId").is_ok());
        for bad in ["", "  ", &"x".repeat(MAX_EXTERNAL_ID + 1)] {
            let err = refusal(valid_external_id(Some(bad), "externalId"));
            assert_eq!(err.field, field(&["input", "externalId"]), "{bad:?}");
        }
    }

    #[test]
    fn nested_refusals_name_the_item() {
        let err = nest(invalid(&["text"], "empty"), &["messages", "3"]);
        let Error::User(err) = err else {
            panic!("not a refusal")
        };
        assert_eq!(err.field, field(&["input", "messages", "3", "text"]));
        assert!(matches!(
            nest(Error::NotFound("tag".into()), &["tags"]),
            Error::NotFound(_)
        ));
    }

    #[test]
    fn unchanged_compares_microseconds() {
        let at = Utc.timestamp_micros(1_700_000_000_123_456).unwrap();
        assert!(check_unchanged(at.timestamp_micros(), None).is_ok());
        assert!(check_unchanged(at.timestamp_micros(), Some(at)).is_ok());
        let err = refusal(check_unchanged(at.timestamp_micros() + 1, Some(at)));
        assert_eq!(err.code, UserErrorCode::Conflict);
        assert_eq!(err.field, field(&["input", "expectedUpdatedAt"]));
    }

    #[test]
    fn closed_conversations_are_refused() {
        assert!(check_open(&conversation_in(ConversationState::Open, None)).is_ok());
        assert!(check_open(&conversation_in(ConversationState::Pending, Some(7))).is_ok());
        let err = refusal(check_open(&conversation_in(
            ConversationState::Closed,
            None,
        )));
        assert_eq!(err.code, UserErrorCode::ConversationClosed);
    }

    #[test]
    fn changed_meanwhile_names_the_field_and_the_object() {
        let Error::User(err) = changed_meanwhile("expectedUpdatedAt", "ticket") else {
            panic!("not a refusal")
        };
        assert_eq!(err.code, UserErrorCode::Conflict);
        assert_eq!(err.field, field(&["input", "expectedUpdatedAt"]));
        assert_eq!(
            err.message,
            "the ticket was changed by someone else meanwhile; reload it and try again"
        );
    }
}
