//! The rules of messages: content checks, derived fields (sentiment, the
//! conversation's last message and sentiment trend) and `addMessage`.

use entity::enums::{ActivityType, ConversationState, Direction, MessageRole, Modality};
use entity::{conversation, message};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set, TryInsertResult,
};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::attachments::{NewFile, Staged, stage};
use super::idempotency::{self, Key};
use super::rules::{
    MAX_HTML, MAX_TEXT, check_external_id_free, check_open, find_agent, find_conversation, find_in,
    valid_external_id, valid_json_object, valid_message_rating,
};
use super::{begin, now};
use crate::attachments::{Attachments, Owner};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result, UserError, UserErrorCode};
use crate::text::html::{sanitize_html, text_of_html};
use crate::text::{self, language, sentiment_trend};

/// The direction a message of `role` has unless the client says otherwise.
pub fn default_direction(role: MessageRole) -> Direction {
    match role {
        MessageRole::User => Direction::Inbound,
        _ => Direction::Outbound,
    }
}

/// A message's plain text and HTML, checked: the HTML sanitized, the text may be
/// derived from it. Field paths in the refusal are relative to the message
/// (`text`, `html`).
pub fn content(text: Option<&str>, html: Option<&str>) -> Result<(String, Option<String>)> {
    let html = html.filter(|h| !h.trim().is_empty());
    if let Some(html) = html
        && html.len() > MAX_HTML
    {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["html"],
            format!("the HTML body may be at most {} KB", MAX_HTML / 1024),
        )
        .into());
    }
    let html = html.map(sanitize_html).filter(|h| !h.trim().is_empty());
    let text = match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => text.to_owned(),
        None => html.as_deref().map(text_of_html).unwrap_or_default(),
    };
    if text.is_empty() {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["text"],
            "a message needs a non-empty text (or an HTML body with text in it)",
        )
        .into());
    }
    if text.len() > MAX_TEXT {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["text"],
            format!("the text may be at most {} KB", MAX_TEXT / 1024),
        )
        .into());
    }
    Ok((text, html))
}

/// The sentiments of a conversation's USER messages, oldest first.
pub async fn user_sentiments(
    tx: &DatabaseTransaction,
    tenant: &str,
    conversation_id: i64,
) -> Result<Vec<f64>> {
    let rows: Vec<Option<f64>> = scoped::<message::Entity>(tenant)
        .filter(message::Column::ConversationId.eq(conversation_id))
        .filter(message::Column::Role.eq(MessageRole::User))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .select_only()
        .column(message::Column::Sentiment)
        .into_tuple()
        .all(tx)
        .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// A checked message, ready to be written.
pub struct Draft {
    pub conversation_id: i64,
    pub direction: Direction,
    pub role: MessageRole,
    pub author_agent_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub text: String,
    pub html: Option<String>,
    pub external_id: Option<String>,
    /// The language the client gave for this message.
    pub language: Option<String>,
    /// The conversation's language: the message's when none was given and none can be
    /// detected from its text.
    pub conversation_language: Option<String>,
    pub modality: Modality,
    pub created_at: i64,
    /// The reader's rating: -1, 0 or 1.
    pub rating: Option<i32>,
    /// A checked JSON object.
    pub metadata: Option<String>,
}

/// Writes a checked message with its sentiment. An external id another message has
/// is DUPLICATE_EXTERNAL_ID (the unique index decides, see `Error::from(DbErr)`).
pub async fn insert(
    tx: &DatabaseTransaction,
    tenant: &str,
    draft: Draft,
) -> Result<message::Model> {
    Ok(row(tenant, draft).insert(tx).await?)
}

/// Writes a checked message unless another message of the tenant has its external
/// id (`None`; the unique index decides, so also against a concurrent write the
/// check before could not see), leaving the transaction usable either way.
pub async fn insert_unless_taken(
    tx: &DatabaseTransaction,
    tenant: &str,
    draft: Draft,
) -> Result<Option<message::Model>> {
    let insert = message::Entity::insert(row(tenant, draft))
        .on_conflict_do_nothing_on([message::Column::TenantId, message::Column::ExternalId]);
    // Boxed: sea-orm's TryInsert future is deep enough to overflow the compiler's
    // layout recursion limit inside the mutation root's future.
    match Box::pin(insert.exec_with_returning(tx)).await {
        Ok(TryInsertResult::Inserted(message)) => Ok(Some(message)),
        Ok(TryInsertResult::Conflicted | TryInsertResult::Empty) => Ok(None),
        // sea-orm 2.0.4 reports an empty RETURNING as "not found" rather than
        // "not inserted" (TryInsertResult::Conflicted).
        Err(DbErr::RecordNotFound(_)) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The row of a checked message, with its language and sentiment. The language is
/// the client's if given, else the one detected in the text (with its confidence),
/// else the conversation's; sentiment is only scored in a language the model reads.
fn row(tenant: &str, draft: Draft) -> message::ActiveModel {
    let (language, language_confidence) = match draft.language {
        Some(given) => (Some(given), None),
        None => match language::detect(&draft.text) {
            Some(detected) => (Some(detected.code), Some(detected.confidence)),
            None => (draft.conversation_language, None),
        },
    };
    let sentiment =
        language::sentiment_reads(language.as_deref()).then(|| text::sentiment(&draft.text));
    message::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_owned()),
        conversation_id: Set(draft.conversation_id),
        direction: Set(draft.direction),
        role: Set(draft.role),
        author_agent_id: Set(draft.author_agent_id),
        author_contact_id: Set(draft.author_contact_id),
        text: Set(draft.text),
        html: Set(draft.html),
        external_id: Set(draft.external_id),
        language: Set(language),
        modality: Set(draft.modality),
        sentiment: Set(sentiment),
        created_at: Set(draft.created_at),
        anonymized_at: Set(None),
        language_confidence: Set(language_confidence),
        rating: Set(draft.rating),
        metadata: Set(draft.metadata),
    }
}

/// What `add` is asked to write.
#[derive(Debug, Serialize)]
pub struct NewMessage {
    pub conversation_id: i64,
    pub text: Option<String>,
    pub html: Option<String>,
    pub role: MessageRole,
    /// Default: INBOUND for USER messages, OUTBOUND otherwise.
    pub direction: Option<Direction>,
    /// Default: the viewer for AGENT messages.
    pub author_agent_id: Option<i64>,
    pub language: Option<String>,
    pub modality: Modality,
    pub external_id: Option<String>,
    /// A JSON object of the client's own keys.
    pub metadata: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct Added {
    message: i64,
}

/// What an idempotency key of `addMessage` is checked against: the input and, when
/// there are any, the files (so a key used before attachments existed still matches).
#[derive(Serialize)]
struct Fingerprint<'a> {
    #[serde(flatten)]
    input: &'a NewMessage,
    #[serde(skip_serializing_if = "<[NewFile]>::is_empty")]
    attachments: &'a [NewFile],
}

/// Adds a message to an open or pending conversation, with its attached `files`,
/// and updates the conversation's last message, sentiment trend and `updatedAt`
/// with it. The files are written to `store` first and deleted again when the
/// message is not written.
pub async fn add(
    db: &DatabaseConnection,
    store: &Attachments,
    viewer: &Viewer,
    input: NewMessage,
    files: Vec<NewFile>,
    idempotency_key: Option<&str>,
) -> Result<(message::Model, conversation::Model)> {
    let fingerprint = Fingerprint {
        input: &input,
        attachments: &files,
    };
    let key = Key::new(idempotency_key, "addMessage", &fingerprint)?;
    let mut staged = stage(store, &viewer.tenant, files).await?;
    let written = write(db, viewer, input, &mut staged, key.as_ref()).await;
    staged.settle(written.is_ok()).await;
    written
}

/// [`add`]'s transaction, with its files already in the store.
async fn write(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewMessage,
    staged: &mut Staged,
    key: Option<&Key<'_>>,
) -> Result<(message::Model, conversation::Model)> {
    let tx = begin(db).await?;
    if let Some(key) = key
        && let Some(Added { message }) = idempotency::reserve(&tx, viewer, key).await?
    {
        let message = find_in::<message::Entity>(&tx, &viewer.tenant, message, "message").await?;
        let conv = find_conversation(&tx, &viewer.tenant, message.conversation_id).await?;
        return Ok((message, conv));
    }
    let conv = find_conversation(&tx, &viewer.tenant, input.conversation_id).await?;
    let author_agent_id = match (input.role, input.author_agent_id) {
        (MessageRole::User, Some(_)) => {
            return Err(UserError::new(
                UserErrorCode::InvalidValue,
                &["authorAgentId"],
                "a USER message is written by the conversation's requester, not an agent",
            )
            .into());
        }
        (_, Some(id)) => Some(find_agent(&tx, &viewer.tenant, id).await?.id),
        (MessageRole::Agent, None) => Some(viewer.agent_id),
        (_, None) => None,
    };
    check_open(&conv)?;
    let (text, html) = content(input.text.as_deref(), input.html.as_deref())?;
    let external_id = valid_external_id(input.external_id.as_deref(), "externalId")?;
    let metadata = valid_json_object(input.metadata.as_ref(), "metadata")?;
    check_external_id_free::<message::Entity>(&tx, &viewer.tenant, external_id.as_deref()).await?;
    let at = now();
    let message = insert(
        &tx,
        &viewer.tenant,
        Draft {
            conversation_id: conv.id,
            direction: input
                .direction
                .unwrap_or_else(|| default_direction(input.role)),
            role: input.role,
            author_agent_id,
            author_contact_id: (input.role == MessageRole::User)
                .then_some(conv.requester_id)
                .flatten(),
            text,
            html,
            external_id,
            language: input.language,
            conversation_language: conv.language.clone(),
            modality: input.modality,
            created_at: at,
            rating: None,
            metadata,
        },
    )
    .await?;
    if !attach(&tx, &conv, Some(viewer.agent_id), &message, at).await? {
        // Closed by someone else meanwhile.
        check_open(&find_conversation(&tx, &viewer.tenant, conv.id).await?)?;
        return Err(Error::Internal(
            "the message's conversation vanished".into(),
        ));
    }
    // The tenant's usage row is the last row every transaction locks (see
    // `attachments::Staged::attach`), so no two writes wait on each other in a cycle.
    staged
        .attach(&tx, &viewer.tenant, Owner::Message(message.id), at)
        .await?;
    if let Some(key) = key {
        idempotency::remember(
            &tx,
            viewer,
            key,
            &Added {
                message: message.id,
            },
        )
        .await?;
    }
    let conv = find_conversation(&tx, &viewer.tenant, conv.id).await?;
    tx.commit().await?;
    Ok((message, conv))
}

/// Makes a written message its conversation's latest: the last message, sentiment
/// trend, `updatedAt` and version, a MESSAGE_ADDED entry by `actor` (`None`: the
/// system), and a snoozed conversation woken when the customer wrote. `false`, with
/// nothing changed, when the conversation is closed.
pub async fn attach(
    tx: &DatabaseTransaction,
    conv: &conversation::Model,
    actor: Option<i64>,
    message: &message::Model,
    at: i64,
) -> Result<bool> {
    let tenant = conv.tenant_id.as_str();
    let trend = if message.role == MessageRole::User {
        sentiment_trend(&user_sentiments(tx, tenant, conv.id).await?)
    } else {
        conv.sentiment_trend
    };
    let updated = conversation::Entity::update_many()
        .col_expr(conversation::Column::LastMessageId, Expr::value(message.id))
        .col_expr(conversation::Column::SentimentTrend, Expr::value(trend))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(
            Condition::all()
                .add(conversation::Column::TenantId.eq(tenant))
                .add(conversation::Column::Id.eq(conv.id))
                .add(conversation::Column::State.ne(ConversationState::Closed)),
        )
        .exec(tx)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    let detail = Detail {
        message_id: Some(message.id),
        ..Detail::default()
    };
    let kind = ActivityType::MessageAdded;
    activity::record_as(tx, tenant, actor, Some(conv.id), kind, detail).await?;
    // The customer writing opens a snoozed conversation, as in any shared inbox.
    if message.role == MessageRole::User && conv.snoozed_until.is_some() {
        super::snooze::wake(tx, conv, None, at).await?;
    }
    Ok(true)
}

/// Rates a message -1, 0 or 1, or clears its rating (`None`); a change is logged
/// (MESSAGE_RATED), setting the rating it has already is not. Setting a value is
/// idempotent by nature, so there is no key.
pub async fn rate(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: i64,
    rating: Option<i32>,
) -> Result<message::Model> {
    let rating = valid_message_rating(rating, "rating")?;
    let tx = begin(db).await?;
    let message = find_in::<message::Entity>(&tx, &viewer.tenant, message_id, "message").await?;
    if message.rating == rating {
        return Ok(message);
    }
    message::Entity::update_many()
        .col_expr(message::Column::Rating, Expr::value(rating))
        .filter(message::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(message::Column::Id.eq(message.id))
        .exec(&tx)
        .await?;
    let detail = Detail {
        message_id: Some(message.id),
        ..Detail::default()
    };
    let conversation = Some(message.conversation_id);
    activity::record(
        &tx,
        viewer,
        conversation,
        ActivityType::MessageRated,
        detail,
    )
    .await?;
    let message = find_in::<message::Entity>(&tx, &viewer.tenant, message.id, "message").await?;
    tx.commit().await?;
    Ok(message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn content_needs_text_and_bounds_html() {
        assert!(content(Some("  "), None).is_err());
        let (text, html) = content(None, Some("<p>Hello</p>")).unwrap();
        assert_eq!(
            (text.as_str(), html.as_deref()),
            ("Hello", Some("<p>Hello</p>"))
        );
        let (_, html) = content(Some("hi"), Some("<script>alert(1)</script>")).unwrap();
        assert_eq!(html, None, "nothing is left to show");
        let big = "x".repeat(MAX_HTML + 1);
        let Err(Error::User(err)) = content(Some("hi"), Some(&big)) else {
            panic!("too large html accepted")
        };
        assert_eq!(err.field, Some(vec!["input".into(), "html".into()]));
    }
}
