//! The rules of a conversation's life: create, claim, close, reopen, transfer, tag.
//!
//! The documented rule for CLOSED conversations: every change but `reopen` (and
//! anonymization, which is meant for closed conversations) is refused with
//! CONVERSATION_CLOSED; reopen first. Closing a closed conversation or reopening an
//! open one is INVALID_STATE.

use chrono::{DateTime, Utc};
use entity::enums::{
    ActivityType, Channel, ConversationState, Direction, MessageRole, Modality, TagState,
};
use entity::{contact, conversation, conversation_tag, message, queue, tag, tenant_counter};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait,
    NotSet, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::counters;
use super::idempotency::{self, Key};
use super::messages::{self, Draft, content, default_direction};
use super::rules::{
    MAX_LANGUAGE, MAX_NAME, MAX_SUBJECT, TagLinks, changed_meanwhile, check_external_id_free,
    check_open, check_unchanged, find_agent, find_conversation, find_in, find_link,
    lock_conversation, nest, tag_inactive, valid_external_id, valid_json_object, valid_past,
    valid_text,
};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// What `claim` is asked to do.
pub struct Claim {
    pub conversation_id: i64,
    /// The agent to assign; the viewer when `None`.
    pub agent_id: Option<i64>,
    /// Take the conversation even from another agent.
    pub force: bool,
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// Assigns a conversation to an agent. Without `force` it never takes a
/// conversation from another agent, and of concurrent claims of an unassigned
/// conversation exactly one wins. With `force` it takes the conversation from
/// whoever has it, and concurrent forced claims all succeed, one after another:
/// each takes it from the one before (the activity log records each hand-over), and
/// the last to commit keeps it.
///
/// Concurrent claims take turns on the conversation's row lock, so each sees the
/// assignee the claim before it left rather than the one it read before waiting.
pub async fn claim(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    input: Claim,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let conv = lock_conversation(&tx, &viewer.tenant, input.conversation_id).await?;
    let agent_id = find_agent(
        &tx,
        &viewer.tenant,
        input.agent_id.unwrap_or(viewer.agent_id),
    )
    .await?
    .id;
    check_unchanged(conv.updated_at, input.expected_updated_at)?;
    check_open(&conv)?;
    if conv.assignee_id == Some(agent_id) {
        return Ok(conv);
    }
    let taken_from = conv.assignee_id;
    if taken_from.is_some() && !input.force {
        return Err(already_assigned());
    }
    let at = now();
    let unchanged = match taken_from {
        // Taking over: only from the assignee this claim saw.
        Some(previous) => conversation::Column::AssigneeId.eq(previous),
        None => conversation::Column::AssigneeId.is_null(),
    };
    let updated = conversation::Entity::update_many()
        .col_expr(conversation::Column::AssigneeId, Expr::value(agent_id))
        .col_expr(conversation::Column::AssignedAt, Expr::value(at))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(
            Condition::all()
                .add(conversation::Column::TenantId.eq(viewer.tenant.as_ref()))
                .add(conversation::Column::Id.eq(conv.id))
                .add(conversation::Column::State.ne(ConversationState::Closed))
                .add(unchanged),
        )
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        // Unreachable under the row lock; kept so that a claim never overwrites an
        // assignee it did not see.
        return Err(already_assigned());
    }
    let detail = Detail {
        agent_id: Some(agent_id),
        from_agent_id: taken_from,
        ..Detail::default()
    };
    activity::record(&tx, viewer, Some(conv.id), ActivityType::Claimed, detail).await?;
    let conv = find_conversation(&tx, &viewer.tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

fn already_assigned() -> crate::error::Error {
    UserError::new(
        UserErrorCode::AlreadyAssigned,
        &["conversationId"],
        "the conversation is assigned to another agent; claim with force to take it over",
    )
    .into()
}

/// Marks a conversation as changed at `at` (`updatedAt` and `version`). With
/// `open_only`, a conversation closed meanwhile is CONVERSATION_CLOSED.
pub async fn touch(
    tx: &DatabaseTransaction,
    tenant: &str,
    conversation_id: i64,
    at: i64,
    open_only: bool,
) -> Result<()> {
    let mut which = Condition::all()
        .add(conversation::Column::TenantId.eq(tenant))
        .add(conversation::Column::Id.eq(conversation_id));
    if open_only {
        which = which.add(conversation::Column::State.ne(ConversationState::Closed));
    }
    let updated = conversation::Entity::update_many()
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(which)
        .exec(tx)
        .await?;
    if updated.rows_affected == 0 {
        check_open(&find_conversation(tx, tenant, conversation_id).await?)?;
        return Err(changed_meanwhile("conversationId", "conversation"));
    }
    Ok(())
}

/// The first message of a new conversation.
#[derive(Debug, Serialize)]
pub struct FirstMessage {
    pub text: Option<String>,
    pub html: Option<String>,
    /// Default: USER for an INBOUND conversation, AGENT for an OUTBOUND one.
    pub role: Option<MessageRole>,
    /// Default: INBOUND for USER messages, OUTBOUND otherwise.
    pub direction: Option<Direction>,
}

/// What `create` is asked to make.
#[derive(Debug, Serialize)]
pub struct NewConversation {
    pub subject: Option<String>,
    pub channel: Channel,
    pub direction: Direction,
    pub language: Option<String>,
    pub external_id: Option<String>,
    pub requester_id: Option<i64>,
    pub queue_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub message: Option<FirstMessage>,
    /// When it started, for history loaded from elsewhere (default: now).
    pub created_at: Option<i64>,
    /// The system of record it comes from.
    pub source: Option<String>,
    /// A JSON object of the client's own keys.
    pub metadata: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct Created {
    conversation: i64,
}

/// Creates an OPEN conversation with the tenant's next number and, optionally, its
/// first message (idempotently when the client sends a key).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewConversation,
    idempotency_key: Option<&str>,
) -> Result<conversation::Model> {
    let key = Key::new(idempotency_key, "createConversation", &input)?;
    let tx = begin(db).await?;
    if let Some(key) = &key
        && let Some(Created { conversation }) = idempotency::reserve(&tx, viewer, key).await?
    {
        return find_conversation(&tx, &viewer.tenant, conversation).await;
    }
    let tenant = viewer.tenant.as_ref();
    if let Some(id) = input.requester_id {
        find_in::<contact::Entity>(&tx, tenant, id, "contact").await?;
    }
    if let Some(id) = input.queue_id {
        find_in::<queue::Entity>(&tx, tenant, id, "queue").await?;
    }
    if let Some(id) = input.parent_id {
        find_conversation(&tx, tenant, id).await?;
    }
    let subject = valid_text(input.subject.as_deref(), "subject", MAX_SUBJECT)?;
    let language = valid_text(input.language.as_deref(), "language", MAX_LANGUAGE)?;
    let external_id = valid_external_id(input.external_id.as_deref(), "externalId")?;
    let source = valid_text(input.source.as_deref(), "source", MAX_NAME)?;
    let metadata = valid_json_object(input.metadata.as_ref(), "metadata")?;
    let first = match &input.message {
        Some(m) => {
            Some(content(m.text.as_deref(), m.html.as_deref()).map_err(|e| nest(e, &["message"]))?)
        }
        None => None,
    };
    check_external_id_free::<conversation::Entity>(&tx, tenant, external_id.as_deref()).await?;
    let number = counters::next::<conversation::Entity>(
        &tx,
        tenant,
        tenant_counter::CONVERSATION,
        conversation::Column::Number,
    )
    .await?;
    let at = valid_past(input.created_at, now(), "createdAt")?;
    let conv = conversation::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_owned()),
        number: Set(number),
        external_id: Set(external_id),
        channel: Set(input.channel),
        direction: Set(input.direction),
        state: Set(ConversationState::Open),
        subject: Set(subject),
        language: Set(language),
        requester_id: Set(input.requester_id),
        assignee_id: Set(None),
        assigned_at: Set(None),
        queue_id: Set(input.queue_id),
        queued_at: Set(input.queue_id.map(|_| at)),
        parent_id: Set(input.parent_id),
        last_message_id: Set(None),
        sentiment_trend: Set(None),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
        state_updated_at: Set(at),
        closed_at: Set(None),
        anonymized_at: Set(None),
        source: Set(source),
        metadata: Set(metadata),
        merged_into_id: Set(None),
        snoozed_until: Set(None),
    }
    .insert(&tx)
    .await?;
    let mut detail = Detail::default();
    if let (Some(first), Some((text, html))) = (&input.message, first) {
        let role = first.role.unwrap_or(match input.direction {
            Direction::Inbound => MessageRole::User,
            Direction::Outbound => MessageRole::Agent,
        });
        let draft = Draft {
            conversation_id: conv.id,
            direction: first.direction.unwrap_or_else(|| default_direction(role)),
            role,
            author_agent_id: (role == MessageRole::Agent).then_some(viewer.agent_id),
            author_contact_id: (role == MessageRole::User)
                .then_some(input.requester_id)
                .flatten(),
            text,
            html,
            external_id: None,
            language: None,
            conversation_language: conv.language.clone(),
            modality: Modality::Text,
            created_at: at,
            rating: None,
            metadata: None,
        };
        let message = messages::insert(&tx, tenant, draft).await?;
        conversation::Entity::update_many()
            .col_expr(conversation::Column::LastMessageId, Expr::value(message.id))
            .filter(conversation::Column::Id.eq(conv.id))
            .exec(&tx)
            .await?;
        detail.message_id = Some(message.id);
    }
    activity::record(
        &tx,
        viewer,
        Some(conv.id),
        ActivityType::ConversationCreated,
        detail,
    )
    .await?;
    if let Some(key) = &key {
        let created = Created {
            conversation: conv.id,
        };
        idempotency::remember(&tx, viewer, key, &created).await?;
    }
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

/// A change of a conversation's state, checked against what the client saw.
pub struct StateChange {
    pub conversation_id: i64,
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// The agent the change is made for (the activity log names them); the caller
    /// checks that the viewer may act for others.
    pub on_behalf_of: Option<i64>,
}

/// Closes an OPEN or PENDING conversation (INVALID_STATE when it is closed already).
pub async fn close(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: StateChange,
) -> Result<conversation::Model> {
    change_state(db, viewer, input, ConversationState::Closed).await
}

/// Reopens a CLOSED conversation (INVALID_STATE when it is not closed).
pub async fn reopen(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: StateChange,
) -> Result<conversation::Model> {
    change_state(db, viewer, input, ConversationState::Open).await
}

async fn change_state(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: StateChange,
    to: ConversationState,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = find_conversation(&tx, tenant, input.conversation_id).await?;
    check_unchanged(conv.updated_at, input.expected_updated_at)?;
    let closing = to == ConversationState::Closed;
    if closing == (conv.state == ConversationState::Closed) {
        let message = if closing {
            "the conversation is already closed"
        } else {
            "only a closed conversation can be reopened"
        };
        return Err(
            UserError::new(UserErrorCode::InvalidState, &["conversationId"], message).into(),
        );
    }
    if !closing && conv.merged_into_id.is_some() {
        return Err(UserError::new(
            UserErrorCode::InvalidState,
            &["conversationId"],
            "the conversation was merged into another; its messages are there",
        )
        .into());
    }
    let at = now();
    let mut update = conversation::Entity::update_many();
    let mut detail = Detail::default();
    if !closing {
        // Offered again: in its queue (or the tenant's default one), to nobody yet.
        let queue_id = match conv.queue_id {
            Some(id) => Some(id),
            None => default_queue(&tx, tenant).await?,
        };
        update = update
            .col_expr(conversation::Column::QueueId, Expr::value(queue_id))
            .col_expr(
                conversation::Column::QueuedAt,
                Expr::value(queue_id.map(|_| at)),
            )
            .col_expr(conversation::Column::AssigneeId, Expr::value(None::<i64>))
            .col_expr(conversation::Column::AssignedAt, Expr::value(None::<i64>));
        detail.from_agent_id = conv.assignee_id;
        detail.to_queue_id = queue_id;
    }
    let updated = update
        .col_expr(conversation::Column::State, Expr::value(to))
        .col_expr(conversation::Column::StateUpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::ClosedAt,
            Expr::value(closing.then_some(at)),
        )
        // A closed conversation is not snoozed: the waker must not reopen it.
        .col_expr(conversation::Column::SnoozedUntil, Expr::value(None::<i64>))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(
            Condition::all()
                .add(conversation::Column::TenantId.eq(tenant))
                .add(conversation::Column::Id.eq(conv.id))
                // Only from the state this change saw.
                .add(conversation::Column::State.eq(conv.state)),
        )
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        return Err(changed_meanwhile("conversationId", "conversation"));
    }
    let kind = if closing {
        ActivityType::Closed
    } else {
        ActivityType::Reopened
    };
    let actor = match input.on_behalf_of {
        Some(agent_id) => Viewer {
            agent_id: find_agent(&tx, tenant, agent_id).await?.id,
            ..viewer.clone()
        },
        None => viewer.clone(),
    };
    activity::record(&tx, &actor, Some(conv.id), kind, detail).await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

/// What `transfer` is asked to do.
pub struct Transfer {
    pub conversation_id: i64,
    pub queue_id: i64,
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// The queue a conversation without one is offered in when it is reopened: the
/// tenant's oldest queue (none when the tenant has no queue).
async fn default_queue(tx: &DatabaseTransaction, tenant: &str) -> Result<Option<i64>> {
    Ok(scoped::<queue::Entity>(tenant)
        .select_only()
        .column(queue::Column::Id)
        .order_by_asc(queue::Column::Id)
        .into_tuple::<i64>()
        .one(tx)
        .await?)
}

/// Moves a conversation to a queue: it is offered there from now on, to nobody yet
/// (the assignee is released). An unassigned conversation moved to its own queue
/// changes nothing.
pub async fn transfer(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Transfer,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = find_conversation(&tx, tenant, input.conversation_id).await?;
    let queue = find_in::<queue::Entity>(&tx, tenant, input.queue_id, "queue").await?;
    check_unchanged(conv.updated_at, input.expected_updated_at)?;
    check_open(&conv)?;
    if conv.queue_id == Some(queue.id) && conv.assignee_id.is_none() {
        return Ok(conv);
    }
    let at = now();
    let unchanged = match conv.queue_id {
        Some(previous) => conversation::Column::QueueId.eq(previous),
        None => conversation::Column::QueueId.is_null(),
    };
    let updated = conversation::Entity::update_many()
        .col_expr(conversation::Column::QueueId, Expr::value(queue.id))
        .col_expr(conversation::Column::QueuedAt, Expr::value(at))
        .col_expr(conversation::Column::AssigneeId, Expr::value(None::<i64>))
        .col_expr(conversation::Column::AssignedAt, Expr::value(None::<i64>))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(
            Condition::all()
                .add(conversation::Column::TenantId.eq(tenant))
                .add(conversation::Column::Id.eq(conv.id))
                .add(conversation::Column::State.ne(ConversationState::Closed))
                .add(unchanged),
        )
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        return Err(changed_meanwhile("conversationId", "conversation"));
    }
    let detail = Detail {
        from_queue_id: conv.queue_id,
        to_queue_id: Some(queue.id),
        from_agent_id: conv.assignee_id,
        ..Detail::default()
    };
    activity::record(
        &tx,
        viewer,
        Some(conv.id),
        ActivityType::Transferred,
        detail,
    )
    .await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

/// A conversation and a tag, for `tag` and `untag`.
pub struct Tagging {
    pub conversation_id: i64,
    pub tag_id: i64,
}

/// What tagging leaves behind: the conversation, the tag and their link.
pub struct Tagged {
    pub conversation: conversation::Model,
    pub tag: tag::Model,
    pub link: conversation_tag::Model,
}

/// Adds a tag to a conversation and counts it on the tag. Only ACTIVE tags can be
/// added (TAG_INACTIVE); adding a tag the conversation has changes nothing.
pub async fn tag(db: &DatabaseConnection, viewer: &Viewer, input: Tagging) -> Result<Tagged> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = find_conversation(&tx, tenant, input.conversation_id).await?;
    let tag = find_in::<tag::Entity>(&tx, tenant, input.tag_id, "tag").await?;
    check_open(&conv)?;
    if let Some(link) = find_link::<conversation_tag::Entity>(&tx, tenant, conv.id, tag.id).await? {
        return Ok(Tagged {
            conversation: conv,
            tag,
            link,
        });
    }
    if tag.state == TagState::Inactive {
        return Err(tag_inactive(&["tagId"]));
    }
    let at = now();
    let link = conversation_tag::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        conversation_id: Set(conv.id),
        tag_id: Set(tag.id),
        created_at: Set(at),
    };
    let added = conversation_tag::Entity::insert(link)
        .on_conflict(
            OnConflict::columns([
                conversation_tag::Column::ConversationId,
                conversation_tag::Column::TagId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
    if added == 1 {
        count_link(&tx, tag.id, 1).await?;
        touch(&tx, tenant, conv.id, at, true).await?;
        let detail = Detail {
            tag_id: Some(tag.id),
            ..Detail::default()
        };
        activity::record(&tx, viewer, Some(conv.id), ActivityType::Tagged, detail).await?;
    }
    let link = find_link::<conversation_tag::Entity>(&tx, tenant, conv.id, tag.id)
        .await?
        .ok_or_else(|| Error::Internal("the new tag link vanished".into()))?;
    let tagged = Tagged {
        conversation: find_conversation(&tx, tenant, conv.id).await?,
        tag: find_in::<tag::Entity>(&tx, tenant, tag.id, "tag").await?,
        link,
    };
    tx.commit().await?;
    Ok(tagged)
}

/// Removes a tag from a conversation (inactive tags too); removing a tag the
/// conversation does not have changes nothing.
pub async fn untag(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Tagging,
) -> Result<(conversation::Model, tag::Model)> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = find_conversation(&tx, tenant, input.conversation_id).await?;
    let tag = find_in::<tag::Entity>(&tx, tenant, input.tag_id, "tag").await?;
    check_open(&conv)?;
    let removed = conversation_tag::Entity::delete_many()
        .filter(conversation_tag::Entity::link(tenant, conv.id, tag.id))
        .exec(&tx)
        .await?;
    if removed.rows_affected == 0 {
        return Ok((conv, tag));
    }
    count_link(&tx, tag.id, -1).await?;
    touch(&tx, tenant, conv.id, now(), true).await?;
    let detail = Detail {
        tag_id: Some(tag.id),
        ..Detail::default()
    };
    activity::record(&tx, viewer, Some(conv.id), ActivityType::Untagged, detail).await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    let tag = find_in::<tag::Entity>(&tx, tenant, tag.id, "tag").await?;
    tx.commit().await?;
    Ok((conv, tag))
}

/// Keeps `tags.conversations_count` equal to the links, in the link's transaction.
pub(super) async fn count_link(tx: &DatabaseTransaction, tag_id: i64, by: i64) -> Result<()> {
    tag::Entity::update_many()
        .col_expr(
            tag::Column::ConversationsCount,
            Expr::col(tag::Column::ConversationsCount).add(by),
        )
        .filter(tag::Column::Id.eq(tag_id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Messages read for a conversation's suggested topics: the newest ones.
const TOPIC_MESSAGES: u64 = 20;

/// What a conversation's suggested topics are read from: the text of its newest
/// messages (oldest of them first), and the tags it carries already.
pub async fn topic_source(
    db: &DatabaseConnection,
    conv: &conversation::Model,
) -> Result<(String, Vec<i64>)> {
    let mut texts: Vec<String> = scoped::<message::Entity>(&conv.tenant_id)
        .filter(message::Column::ConversationId.eq(conv.id))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .limit(TOPIC_MESSAGES)
        .select_only()
        .column(message::Column::Text)
        .into_tuple()
        .all(db)
        .await?;
    texts.reverse();
    let applied: Vec<i64> = scoped::<conversation_tag::Entity>(&conv.tenant_id)
        .filter(conversation_tag::Column::ConversationId.eq(conv.id))
        .select_only()
        .column(conversation_tag::Column::TagId)
        .into_tuple()
        .all(db)
        .await?;
    Ok((texts.join("\n"), applied))
}
