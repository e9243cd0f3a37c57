//! `importConversation`: a conversation from another system with its history and
//! original timestamps. Problems with single messages are reported while the rest
//! is kept; problems with the conversation itself refuse the whole import.

use std::collections::HashSet;

use async_graphql::{InputType, Name, Value};
use entity::enums::{ActivityType, Channel, ConversationState, Direction, MessageRole, Modality};
use entity::{agent, contact, conversation, message, queue};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, NotSet,
    QueryFilter, Set,
};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::counters;
use super::idempotency::{self, Key};
use super::messages::{self, Draft, content, default_direction};
use super::rules::{
    MAX_LANGUAGE, MAX_NAME, MAX_SUBJECT, check_external_id_free, find_agent, find_conversation,
    find_in, invalid, nest, valid_external_id, valid_json_object, valid_message_rating, valid_past,
    valid_text,
};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result, UserError, UserErrorCode};
use crate::text::sentiment_trend;

/// Most messages one import may carry.
pub const MAX_MESSAGES: usize = 1000;
/// Longest email address.
const MAX_EMAIL: usize = 320;

/// One message of an imported conversation.
#[derive(Debug, Serialize)]
pub struct ImportedMessage {
    pub text: Option<String>,
    pub html: Option<String>,
    pub role: MessageRole,
    /// Default: INBOUND for USER messages, OUTBOUND otherwise.
    pub direction: Option<Direction>,
    /// `Some(None)`: the client sent an id that names no agent at all.
    pub author_agent_id: Option<Option<i64>>,
    /// Default: the conversation's `created_at`.
    pub created_at: Option<i64>,
    pub external_id: Option<String>,
    pub language: Option<String>,
    pub modality: Modality,
    /// The reader's rating: -1, 0 or 1.
    pub rating: Option<i32>,
    /// A JSON object of the client's own keys.
    pub metadata: Option<serde_json::Value>,
}

/// What `import` is asked to write.
#[derive(Debug, Serialize)]
pub struct Import {
    pub external_id: Option<String>,
    pub subject: Option<String>,
    pub channel: Channel,
    pub direction: Direction,
    pub language: Option<String>,
    /// Default: CLOSED when `closed_at` is given, OPEN otherwise.
    pub state: Option<ConversationState>,
    pub requester_id: Option<i64>,
    /// Finds the tenant's contact with this email (ignoring case), or adds one.
    pub requester_email: Option<String>,
    pub assignee_id: Option<i64>,
    pub queue_id: Option<i64>,
    /// Default: now.
    pub created_at: Option<i64>,
    /// Default: the latest of `created_at`, the last message and `closed_at`.
    pub updated_at: Option<i64>,
    /// Default for a CLOSED conversation: its `updated_at`.
    pub closed_at: Option<i64>,
    /// The system of record it comes from.
    pub source: Option<String>,
    /// A JSON object of the client's own keys.
    pub metadata: Option<serde_json::Value>,
    pub messages: Vec<ImportedMessage>,
}

/// The imported conversation, how many messages were kept, and why the others were not.
pub struct Imported {
    pub conversation: conversation::Model,
    pub imported: usize,
    pub problems: Vec<UserError>,
}

/// What a retry with the same idempotency key gets back.
#[derive(Serialize, Deserialize)]
struct Remembered {
    conversation: i64,
    imported: usize,
    problems: Vec<Problem>,
}

#[derive(Serialize, Deserialize)]
struct Problem {
    field: Option<Vec<String>>,
    message: String,
    code: String,
}

impl From<&UserError> for Problem {
    fn from(err: &UserError) -> Self {
        let code = match err.code.to_value() {
            Value::Enum(name) => name.to_string(),
            _ => String::new(),
        };
        Problem {
            field: err.field.clone(),
            message: err.message.clone(),
            code,
        }
    }
}

impl Problem {
    fn into_user_error(self) -> Result<UserError> {
        let code = UserErrorCode::parse(Some(Value::Enum(Name::new(&self.code))))
            .map_err(|_| Error::Internal(format!("unknown stored code {}", self.code)))?;
        Ok(UserError {
            field: self.field,
            message: self.message,
            code,
        })
    }
}

/// Imports a conversation with its messages, keeping the original timestamps.
pub async fn import(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Import,
    idempotency_key: Option<&str>,
) -> Result<Imported> {
    let key = Key::new(idempotency_key, "importConversation", &input)?;
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    if let Some(key) = &key
        && let Some(first) = idempotency::reserve::<Remembered>(&tx, viewer, key).await?
    {
        return Ok(Imported {
            conversation: find_conversation(&tx, tenant, first.conversation).await?,
            imported: first.imported,
            problems: first
                .problems
                .into_iter()
                .map(Problem::into_user_error)
                .collect::<Result<_>>()?,
        });
    }
    let at = now();

    // The conversation itself: any problem here refuses the whole import.
    let external_id = valid_external_id(input.external_id.as_deref(), "externalId")?;
    let subject = valid_text(input.subject.as_deref(), "subject", MAX_SUBJECT)?;
    let language = valid_text(input.language.as_deref(), "language", MAX_LANGUAGE)?;
    // An agent that cannot be assigned is reported and left out, as the source
    // systems' imports do; the history still loads.
    let mut problems = Vec::new();
    let assignee_id = match input.assignee_id {
        Some(id) => {
            let found = find_agent(&tx, tenant, id).await.map(|a| a.id);
            known(found, "assigneeId", &mut problems)?
        }
        None => None,
    };
    if let Some(id) = input.queue_id {
        find_in::<queue::Entity>(&tx, tenant, id, "queue").await?;
    }
    let created_at = valid_past(input.created_at, at, "createdAt")?;
    let source = valid_text(input.source.as_deref(), "source", MAX_NAME)?;
    let metadata = valid_json_object(input.metadata.as_ref(), "metadata")?;
    let state = input.state.unwrap_or(match input.closed_at {
        Some(_) => ConversationState::Closed,
        None => ConversationState::Open,
    });
    if let Some(closed_at) = input.closed_at {
        if state != ConversationState::Closed {
            return Err(invalid(&["closedAt"], "only a CLOSED conversation has one"));
        }
        if closed_at < created_at || closed_at > at {
            return Err(invalid(&["closedAt"], "must be between createdAt and now"));
        }
    }
    if input.messages.len() > MAX_MESSAGES {
        return Err(invalid(
            &["messages"],
            format!("at most {MAX_MESSAGES} messages per import"),
        ));
    }
    check_external_id_free::<conversation::Entity>(&tx, tenant, external_id.as_deref()).await?;
    let requester_id = requester(&tx, tenant, &input, at).await?;

    // The messages: a bad one is reported and left out.
    let mut drafts = Vec::new();
    let mut seen_external_ids = HashSet::new();
    for (i, m) in input.messages.iter().enumerate() {
        let checked = check_message(&tx, tenant, m, created_at, at, &mut seen_external_ids)
            .await
            .map_err(|e| nest(e, &["messages", &i.to_string()]));
        match checked {
            Ok(mut draft) => {
                draft.author_contact_id = (draft.role == MessageRole::User)
                    .then_some(requester_id)
                    .flatten();
                draft.conversation_language = language.clone();
                drafts.push((i, draft));
            }
            Err(Error::User(problem)) => problems.push(problem),
            Err(other) => return Err(other),
        }
    }
    // Oldest first, so the last one written is the last message.
    drafts.sort_by_key(|(_, d)| d.created_at);

    let last_at = drafts.last().map_or(created_at, |(_, d)| d.created_at);
    let closed_at = match state {
        ConversationState::Closed => Some(input.closed_at.unwrap_or(last_at)),
        _ => None,
    };
    let latest = std::cmp::max(last_at, closed_at.unwrap_or(created_at));
    let updated_at = match input.updated_at {
        Some(updated_at) if updated_at < latest || updated_at > at => {
            return Err(invalid(
                &["updatedAt"],
                "must be between the latest message (or closedAt) and now",
            ));
        }
        Some(updated_at) => updated_at,
        None => latest,
    };

    let number = counters::next::<conversation::Entity>(
        &tx,
        tenant,
        entity::tenant_counter::CONVERSATION,
        conversation::Column::Number,
    )
    .await?;
    let conv = conversation::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_owned()),
        number: Set(number),
        external_id: Set(external_id),
        channel: Set(input.channel),
        direction: Set(input.direction),
        state: Set(state),
        subject: Set(subject),
        language: Set(language),
        requester_id: Set(requester_id),
        assignee_id: Set(assignee_id),
        assigned_at: Set(assignee_id.map(|_| created_at)),
        queue_id: Set(input.queue_id),
        queued_at: Set(input.queue_id.map(|_| created_at)),
        parent_id: Set(None),
        last_message_id: Set(None),
        sentiment_trend: Set(None),
        version: Set(1),
        created_at: Set(created_at),
        updated_at: Set(updated_at),
        state_updated_at: Set(closed_at.unwrap_or(created_at)),
        closed_at: Set(closed_at),
        anonymized_at: Set(None),
        source: Set(source),
        metadata: Set(metadata),
        merged_into_id: Set(None),
        snoozed_until: Set(None),
    }
    .insert(&tx)
    .await?;

    let mut imported = 0;
    let mut last_message_id = None;
    let mut sentiments = Vec::new();
    for (i, mut draft) in drafts {
        draft.conversation_id = conv.id;
        let Some(message) = messages::insert_unless_taken(&tx, tenant, draft).await? else {
            // A concurrent write took the external id after the check: the same
            // problem the check reports, for this message only.
            problems.push(UserError::new(
                UserErrorCode::DuplicateExternalId,
                &["messages", &i.to_string(), "externalId"],
                "another message of the tenant already has this external id",
            ));
            continue;
        };
        imported += 1;
        if message.role == MessageRole::User {
            sentiments.extend(message.sentiment);
        }
        last_message_id = Some(message.id);
    }
    if last_message_id.is_some() {
        conversation::Entity::update_many()
            .col_expr(
                conversation::Column::LastMessageId,
                Expr::value(last_message_id),
            )
            .col_expr(
                conversation::Column::SentimentTrend,
                Expr::value(sentiment_trend(&sentiments)),
            )
            .filter(conversation::Column::Id.eq(conv.id))
            .exec(&tx)
            .await?;
    }
    activity::record(
        &tx,
        viewer,
        Some(conv.id),
        ActivityType::ConversationImported,
        Detail::default(),
    )
    .await?;
    problems.sort_by_key(message_index);
    if let Some(key) = &key {
        let remembered = Remembered {
            conversation: conv.id,
            imported,
            problems: problems.iter().map(Problem::from).collect(),
        };
        idempotency::remember(&tx, viewer, key, &remembered).await?;
    }
    let conversation = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(Imported {
        conversation,
        imported,
        problems,
    })
}

/// The index of the message a problem is about (`["input", "messages", "3", ...]`).
fn message_index(problem: &UserError) -> Option<usize> {
    problem.field.as_ref()?.get(2)?.parse().ok()
}

/// The id of a row that was found; a missing one becomes a NOT_FOUND problem on
/// `field` (other errors stay errors).
fn known(found: Result<i64>, field: &str, problems: &mut Vec<UserError>) -> Result<Option<i64>> {
    match found {
        Ok(id) => Ok(Some(id)),
        Err(Error::NotFound(what)) => {
            problems.push(UserError::new(
                UserErrorCode::NotFound,
                &[field],
                format!("no {what} with this id in the tenant: imported unassigned"),
            ));
            Ok(None)
        }
        Err(other) => Err(other),
    }
}

/// The requester: by id, or by email (the tenant's contact with it, or a new one).
async fn requester(
    tx: &DatabaseTransaction,
    tenant: &str,
    input: &Import,
    at: i64,
) -> Result<Option<i64>> {
    match (input.requester_id, input.requester_email.as_deref()) {
        (Some(_), Some(_)) => Err(invalid(
            &["requesterEmail"],
            "give the requester by id or by email, not both",
        )),
        (Some(id), None) => Ok(Some(
            find_in::<contact::Entity>(tx, tenant, id, "contact")
                .await?
                .id,
        )),
        (None, None) => Ok(None),
        (None, Some(email)) => {
            let email = email.trim();
            let valid = email.len() <= MAX_EMAIL
                && email
                    .split_once('@')
                    .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
            if !valid {
                return Err(invalid(&["requesterEmail"], "not an email address"));
            }
            Ok(Some(contact_by_email(tx, tenant, email, at).await?))
        }
    }
}

/// The tenant's contact with `email` (ignoring case), added if there is none.
///
/// Insert first, then read: the unique index on `(tenant_id, lower(email))` makes
/// the insert of an address a concurrent import is adding wait for that import, and
/// `ON CONFLICT DO NOTHING` then leaves its row alone, so both imports use the same
/// contact instead of one of them failing or adding a second.
async fn contact_by_email(
    tx: &DatabaseTransaction,
    tenant: &str,
    email: &str,
    at: i64,
) -> Result<i64> {
    let lower = |value: Expr| Expr::expr(Func::lower(value));
    let row = contact::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_owned()),
        external_id: Set(None),
        email: Set(Some(email.to_owned())),
        first_name: Set(None),
        last_name: Set(None),
        organization_name: Set(None),
        organization_domain: Set(None),
        avatar_url: Set(None),
        anonymized_at: Set(None),
        created_at: Set(at),
    };
    contact::Entity::insert(row)
        .on_conflict(
            OnConflict::new()
                .exprs([
                    Expr::col(contact::Column::TenantId),
                    lower(Expr::col(contact::Column::Email)),
                ])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await?;
    scoped::<contact::Entity>(tenant)
        .filter(lower(Expr::col(contact::Column::Email)).eq(lower(Expr::val(email))))
        .one(tx)
        .await?
        .map(|found| found.id)
        .ok_or_else(|| Error::Internal("the contact of an email vanished".into()))
}

/// One message checked on its own (field paths relative to the message).
async fn check_message(
    tx: &DatabaseTransaction,
    tenant: &str,
    m: &ImportedMessage,
    conversation_created_at: i64,
    now: i64,
    seen_external_ids: &mut HashSet<String>,
) -> Result<Draft> {
    let (text, html) = content(m.text.as_deref(), m.html.as_deref())?;
    let author_agent_id = match (m.role, m.author_agent_id) {
        (_, None) => None,
        (MessageRole::User, Some(_)) => {
            return Err(invalid(
                &["authorAgentId"],
                "a USER message is written by the requester, not an agent",
            ));
        }
        (_, Some(id)) => {
            let found = match id {
                Some(id) => scoped::<agent::Entity>(tenant)
                    .filter(agent::Column::Id.eq(id))
                    .one(tx)
                    .await?
                    .map(|a| a.id),
                None => None,
            };
            let Some(found) = found else {
                return Err(UserError::new(
                    UserErrorCode::NotFound,
                    &["authorAgentId"],
                    "no such agent",
                )
                .into());
            };
            Some(found)
        }
    };
    let created_at = m.created_at.unwrap_or(conversation_created_at);
    if created_at < conversation_created_at || created_at > now {
        return Err(invalid(
            &["createdAt"],
            "must be between the conversation's createdAt and now",
        ));
    }
    let external_id = valid_external_id(m.external_id.as_deref(), "externalId")?;
    if let Some(id) = &external_id {
        if !seen_external_ids.insert(id.clone()) {
            return Err(UserError::new(
                UserErrorCode::DuplicateExternalId,
                &["externalId"],
                "another message of this import has this external id",
            )
            .into());
        }
        check_external_id_free::<message::Entity>(tx, tenant, Some(id)).await?;
    }
    let language = valid_text(m.language.as_deref(), "language", MAX_LANGUAGE)?;
    let rating = valid_message_rating(m.rating, "rating")?;
    let metadata = valid_json_object(m.metadata.as_ref(), "metadata")?;
    Ok(Draft {
        conversation_id: 0, // set once the conversation is written
        direction: m.direction.unwrap_or_else(|| default_direction(m.role)),
        role: m.role,
        author_agent_id,
        author_contact_id: None,
        text,
        html,
        external_id,
        language,
        conversation_language: None,
        modality: m.modality,
        created_at,
        rating,
        metadata,
    })
}
