//! The assistant's runs and queues, as rows: asking starts a run, or queues the
//! message when the conversation's run is still going (one RUNNING run per
//! conversation, a partial unique index, checked under the conversation's lock);
//! a run that ends starts the next queued message; a run whose process died is
//! marked FAILED with its queue kept. Writing the answer is `assistant::runs`.

use entity::enums::{ActivityType, AssistantRunStatus, MessageRole, Modality};
use entity::{assistant_queue, assistant_run, conversation, message};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, NotSet,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::activity::{self, Detail};
use super::messages::{Draft, attach, default_direction, insert};
use super::rules::{check_open, find_in, invalid, lock_conversation};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Result, UserError, UserErrorCode};

/// Longest question or queued message, in bytes.
pub const MAX_CONTENT: usize = 16 * 1024;
/// Messages a conversation's queue holds at most.
pub const MAX_QUEUE: u64 = 20;
/// Runs a tenant may start per minute.
pub const RUNS_PER_MINUTE: u64 = 120;
/// Longest JSON value a run keeps from the client (`uiContext`, ...), in bytes.
pub const MAX_JSON: usize = 16 * 1024;

/// What a run is asked, beyond its question.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    pub session_id: Option<String>,
    pub trace_id: Option<String>,
    pub agent_mode: Option<String>,
    pub contextual_tools: Option<String>,
    pub ui_context: Option<String>,
    pub resume_payload: Option<String>,
    pub is_sandbox: bool,
}

/// How runs are started: by which provider, within which budget.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub provider: &'a str,
    /// Tokens a tenant's runs may use per UTC day; 0 is no limit.
    pub daily_tokens: u64,
}

/// What asking did.
pub enum Asked {
    /// A run started (spawn it).
    Started(Box<assistant_run::Model>),
    /// A run was going: the message waits in the queue.
    Queued(assistant_queue::Model),
}

/// Asks the assistant in an open conversation: starts a run, or queues the message
/// behind the run in progress.
pub async fn ask(
    db: &DatabaseConnection,
    viewer: &Viewer,
    policy: Policy<'_>,
    conversation_id: i64,
    content: &str,
    options: RunOptions,
) -> Result<Asked> {
    let content = valid_content(content)?;
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = lock_conversation(&tx, tenant, conversation_id).await?;
    check_open(&conv)?;
    let asked = if running(&tx, tenant, conv.id).await?.is_some() {
        Asked::Queued(queue_in(&tx, viewer, conv.id, content).await?)
    } else {
        check_rate(&tx, tenant, policy.daily_tokens).await?;
        let actor = Some(viewer.agent_id);
        Asked::Started(Box::new(
            start_in(&tx, &conv, actor, policy.provider, content, options).await?,
        ))
    };
    tx.commit().await?;
    Ok(asked)
}

fn valid_content(content: &str) -> Result<String> {
    let content = content.trim();
    if content.is_empty() {
        return Err(invalid(&["content"], "must hold text"));
    }
    if content.len() > MAX_CONTENT {
        return Err(invalid(
            &["content"],
            format!("may be at most {MAX_CONTENT} bytes"),
        ));
    }
    Ok(content.to_owned())
}

/// A JSON value of the client's, kept as text, at most [`MAX_JSON`] bytes.
pub fn valid_json(value: Option<&serde_json::Value>, field: &str) -> Result<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let text = value.to_string();
    if text.len() > MAX_JSON {
        return Err(invalid(
            &[field],
            format!("may be at most {MAX_JSON} bytes of JSON"),
        ));
    }
    Ok(Some(text))
}

fn limit(field: &str, message: String) -> crate::error::Error {
    UserError::new(UserErrorCode::LimitExceeded, &[field], message).into()
}

/// The conversation's RUNNING run.
pub async fn running(
    tx: &DatabaseTransaction,
    tenant: &str,
    conversation_id: i64,
) -> Result<Option<assistant_run::Model>> {
    Ok(scoped::<assistant_run::Entity>(tenant)
        .filter(assistant_run::Column::ConversationId.eq(conversation_id))
        .filter(assistant_run::Column::Status.eq(AssistantRunStatus::Running))
        .one(tx)
        .await?)
}

async fn check_rate(tx: &DatabaseTransaction, tenant: &str, daily_tokens: u64) -> Result<()> {
    let since = now() - 60_000_000;
    let started = scoped::<assistant_run::Entity>(tenant)
        .filter(assistant_run::Column::StartedAt.gte(since))
        .count(tx)
        .await?;
    if started >= RUNS_PER_MINUTE {
        return Err(limit(
            "conversationId",
            format!("the tenant started {RUNS_PER_MINUTE} runs in the last minute; wait"),
        ));
    }
    if daily_tokens > 0 {
        let day = now() - now().rem_euclid(86_400_000_000);
        let used: Option<i64> = scoped::<assistant_run::Entity>(tenant)
            .filter(assistant_run::Column::StartedAt.gte(day))
            .select_only()
            // SUM of bigints is numeric on PostgreSQL.
            .column_as(
                Expr::cust("CAST(SUM(prompt_tokens + completion_tokens) AS BIGINT)"),
                "used",
            )
            .into_tuple()
            .one(tx)
            .await?
            .flatten();
        if used.unwrap_or(0) >= to_i64(daily_tokens) {
            return Err(limit(
                "conversationId",
                format!("the tenant's runs used their {daily_tokens} tokens for today (UTC)"),
            ));
        }
    }
    Ok(())
}

/// Adds the question as the customer's message and starts a RUNNING run on it.
async fn start_in(
    tx: &DatabaseTransaction,
    conv: &conversation::Model,
    actor: Option<i64>,
    provider: &str,
    content: String,
    options: RunOptions,
) -> Result<assistant_run::Model> {
    let at = now();
    let prompt = append(tx, conv, actor, MessageRole::User, &content, None, at).await?;
    let run = assistant_run::ActiveModel {
        id: NotSet,
        tenant_id: Set(conv.tenant_id.clone()),
        conversation_id: Set(conv.id),
        status: Set(AssistantRunStatus::Running),
        content: Set(content),
        prompt_message_id: Set(Some(prompt.id)),
        reply_message_id: Set(None),
        session_id: Set(options.session_id),
        trace_id: Set(options.trace_id),
        agent_mode: Set(options.agent_mode),
        contextual_tools: Set(options.contextual_tools),
        ui_context: Set(options.ui_context),
        resume_payload: Set(options.resume_payload),
        is_sandbox: Set(options.is_sandbox),
        provider: Set(provider.to_owned()),
        partial_text: Set(String::new()),
        confidence: Set(None),
        escalation_reason: Set(None),
        error: Set(None),
        prompt_tokens: Set(0),
        completion_tokens: Set(0),
        created_by: Set(actor),
        started_at: Set(at),
        heartbeat_at: Set(at),
        cancel_requested_at: Set(None),
        finished_at: Set(None),
    }
    .insert(tx)
    .await?;
    let detail = Detail {
        message_id: Some(prompt.id),
        ..Detail::default()
    };
    let kind = ActivityType::AssistantRunStarted;
    activity::record_as(tx, &conv.tenant_id, actor, Some(conv.id), kind, detail).await?;
    Ok(run)
}

/// Writes a message of the conversation and makes it the latest, as `addMessage`
/// does ([`attach`]); in a conversation closed while its run wrote, the answer is
/// kept as a message but changes nothing else.
async fn append(
    tx: &DatabaseTransaction,
    conv: &conversation::Model,
    actor: Option<i64>,
    role: MessageRole,
    text: &str,
    metadata: Option<String>,
    at: i64,
) -> Result<message::Model> {
    let user = role == MessageRole::User;
    let draft = Draft {
        conversation_id: conv.id,
        direction: default_direction(role),
        role,
        author_agent_id: None,
        author_contact_id: if user { conv.requester_id } else { None },
        text: text.to_owned(),
        html: None,
        external_id: None,
        language: None,
        conversation_language: conv.language.clone(),
        modality: Modality::Text,
        created_at: at,
        rating: None,
        metadata,
    };
    let message = insert(tx, &conv.tenant_id, draft).await?;
    attach(tx, conv, actor, &message, at).await?;
    Ok(message)
}

async fn queue_in(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    conversation_id: i64,
    content: String,
) -> Result<assistant_queue::Model> {
    let waiting = scoped::<assistant_queue::Entity>(&viewer.tenant)
        .filter(assistant_queue::Column::ConversationId.eq(conversation_id))
        .count(tx)
        .await?;
    if waiting >= MAX_QUEUE {
        return Err(limit(
            "conversationId",
            format!("the conversation's queue holds {MAX_QUEUE} messages already"),
        ));
    }
    let at = now();
    let item = assistant_queue::ActiveModel {
        id: NotSet,
        tenant_id: Set(viewer.tenant.to_string()),
        conversation_id: Set(conversation_id),
        content: Set(content),
        created_by: Set(Some(viewer.agent_id)),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(tx)
    .await?;
    queue_changed(tx, viewer, conversation_id).await?;
    Ok(item)
}

async fn queue_changed(tx: &DatabaseTransaction, viewer: &Viewer, id: i64) -> Result<()> {
    let kind = ActivityType::AssistantQueueChanged;
    activity::record(tx, viewer, Some(id), kind, Detail::default()).await?;
    Ok(())
}

/// Queues a message for the assistant in an open conversation, whether or not a run
/// is going (it waits for the next run to end).
pub async fn enqueue(
    db: &DatabaseConnection,
    viewer: &Viewer,
    conversation_id: i64,
    content: &str,
) -> Result<assistant_queue::Model> {
    let content = valid_content(content)?;
    let tx = begin(db).await?;
    let conv = lock_conversation(&tx, &viewer.tenant, conversation_id).await?;
    check_open(&conv)?;
    let item = queue_in(&tx, viewer, conv.id, content).await?;
    tx.commit().await?;
    Ok(item)
}

/// Replaces a queued message's text.
pub async fn edit_queued(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    content: &str,
) -> Result<assistant_queue::Model> {
    let content = valid_content(content)?;
    let tx = begin(db).await?;
    let item = queued(&tx, viewer, id).await?;
    lock_conversation(&tx, &viewer.tenant, item.conversation_id).await?;
    let mut item: assistant_queue::ActiveModel = queued(&tx, viewer, id).await?.into();
    item.content = Set(content);
    item.updated_at = Set(now());
    let item = item.update(&tx).await?;
    queue_changed(&tx, viewer, item.conversation_id).await?;
    tx.commit().await?;
    Ok(item)
}

/// Takes a message out of the queue; the removed message.
pub async fn delete_queued(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> Result<assistant_queue::Model> {
    let tx = begin(db).await?;
    let item = queued(&tx, viewer, id).await?;
    lock_conversation(&tx, &viewer.tenant, item.conversation_id).await?;
    let item = queued(&tx, viewer, id).await?;
    assistant_queue::Entity::delete_many()
        .filter(assistant_queue::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(assistant_queue::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    queue_changed(&tx, viewer, item.conversation_id).await?;
    tx.commit().await?;
    Ok(item)
}

/// Empties a conversation's queue; how many messages it held.
pub async fn clear_queue(
    db: &DatabaseConnection,
    viewer: &Viewer,
    conversation_id: i64,
) -> Result<u64> {
    let tx = begin(db).await?;
    let conv = lock_conversation(&tx, &viewer.tenant, conversation_id).await?;
    let cleared = assistant_queue::Entity::delete_many()
        .filter(assistant_queue::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(assistant_queue::Column::ConversationId.eq(conv.id))
        .exec(&tx)
        .await?
        .rows_affected;
    if cleared > 0 {
        queue_changed(&tx, viewer, conv.id).await?;
    }
    tx.commit().await?;
    Ok(cleared)
}

async fn queued(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    id: i64,
) -> Result<assistant_queue::Model> {
    find_in::<assistant_queue::Entity>(tx, &viewer.tenant, id, "queued message").await
}

/// Asks the run to stop (`cancelAssistantRun`); INVALID_STATE when it has ended.
pub async fn request_cancel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
) -> Result<assistant_run::Model> {
    let tx = begin(db).await?;
    let run = find_in::<assistant_run::Entity>(&tx, &viewer.tenant, id, "run").await?;
    lock_conversation(&tx, &viewer.tenant, run.conversation_id).await?;
    let asked = assistant_run::Entity::update_many()
        .col_expr(assistant_run::Column::CancelRequestedAt, Expr::value(now()))
        .filter(assistant_run::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(assistant_run::Column::Id.eq(id))
        .filter(assistant_run::Column::Status.eq(AssistantRunStatus::Running))
        .exec(&tx)
        .await?;
    if asked.rows_affected == 0 {
        return Err(UserError::new(
            UserErrorCode::InvalidState,
            &["runId"],
            "the run has already ended",
        )
        .into());
    }
    let run = find_in::<assistant_run::Entity>(&tx, &viewer.tenant, id, "run").await?;
    tx.commit().await?;
    Ok(run)
}

/// How a run ended.
#[derive(Clone)]
pub struct Ending {
    pub status: AssistantRunStatus,
    /// What it wrote (the answer, or the part written before it stopped).
    pub text: String,
    pub confidence: Option<f64>,
    pub escalation_reason: Option<String>,
    pub error: Option<String>,
    /// The answer message's metadata (provider, sources, usage, latency).
    pub metadata: serde_json::Value,
    /// Tokens the provider's model used.
    pub usage: crate::assistant::Usage,
    /// Whether the next queued message starts now.
    pub continue_queue: bool,
}

/// Ends a RUNNING run: its answer (if it wrote any) becomes an ASSISTANT message,
/// an ASSISTANT_RUN_ENDED entry is logged, and the next queued message starts the
/// next run. `None` when the run had already ended.
pub async fn end(
    db: &DatabaseConnection,
    run: &assistant_run::Model,
    ending: Ending,
) -> Result<Option<(assistant_run::Model, Option<assistant_run::Model>)>> {
    let tx = begin(db).await?;
    let tenant = run.tenant_id.as_str();
    let conv = lock_conversation(&tx, tenant, run.conversation_id).await?;
    let Some(current) = running(&tx, tenant, conv.id).await? else {
        return Ok(None);
    };
    if current.id != run.id {
        return Ok(None);
    }
    let at = now();
    let reply = if ending.text.is_empty() {
        None
    } else {
        let metadata = Some(ending.metadata.to_string());
        Some(
            append(
                &tx,
                &conv,
                None,
                MessageRole::Assistant,
                &ending.text,
                metadata,
                at,
            )
            .await?,
        )
    };
    let mut row: assistant_run::ActiveModel = current.into();
    row.status = Set(ending.status);
    row.partial_text = Set(ending.text);
    row.reply_message_id = Set(reply.as_ref().map(|m| m.id));
    row.confidence = Set(ending.confidence);
    row.escalation_reason = Set(ending.escalation_reason);
    row.error = Set(ending.error);
    row.prompt_tokens = Set(to_i64(ending.usage.prompt_tokens));
    row.completion_tokens = Set(to_i64(ending.usage.completion_tokens));
    row.heartbeat_at = Set(at);
    row.finished_at = Set(Some(at));
    let ended = row.update(&tx).await?;
    let detail = Detail {
        message_id: reply.as_ref().map(|m| m.id),
        ..Detail::default()
    };
    let kind = ActivityType::AssistantRunEnded;
    activity::record_as(&tx, tenant, None, Some(conv.id), kind, detail).await?;
    let next = if ending.continue_queue && conv.state != entity::enums::ConversationState::Closed {
        next_in(&tx, &conv, &ended).await?
    } else {
        None
    };
    tx.commit().await?;
    Ok(Some((ended, next)))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Starts the run of the conversation's first queued message, if any.
async fn next_in(
    tx: &DatabaseTransaction,
    conv: &conversation::Model,
    ended: &assistant_run::Model,
) -> Result<Option<assistant_run::Model>> {
    let tenant = conv.tenant_id.as_str();
    let Some(item) = scoped::<assistant_queue::Entity>(tenant)
        .filter(assistant_queue::Column::ConversationId.eq(conv.id))
        .order_by_asc(assistant_queue::Column::Id)
        .one(tx)
        .await?
    else {
        return Ok(None);
    };
    assistant_queue::Entity::delete_many()
        .filter(assistant_queue::Column::TenantId.eq(tenant))
        .filter(assistant_queue::Column::Id.eq(item.id))
        .exec(tx)
        .await?;
    let options = RunOptions {
        session_id: ended.session_id.clone(),
        trace_id: ended.trace_id.clone(),
        agent_mode: ended.agent_mode.clone(),
        is_sandbox: ended.is_sandbox,
        ..RunOptions::default()
    };
    let provider = ended.provider.clone();
    let run = start_in(tx, conv, item.created_by, &provider, item.content, options).await?;
    Ok(Some(run))
}

/// Moves a run's heartbeat and what it has written so far; whether it was asked to
/// stop.
pub async fn beat(db: &DatabaseConnection, run: &assistant_run::Model, text: &str) -> Result<bool> {
    assistant_run::Entity::update_many()
        .col_expr(assistant_run::Column::HeartbeatAt, Expr::value(now()))
        .col_expr(assistant_run::Column::PartialText, Expr::value(text))
        .filter(assistant_run::Column::TenantId.eq(run.tenant_id.as_str()))
        .filter(assistant_run::Column::Id.eq(run.id))
        .filter(assistant_run::Column::Status.eq(AssistantRunStatus::Running))
        .exec(db)
        .await?;
    let found = find_run(db, &run.tenant_id, run.id).await?;
    Ok(found.cancel_requested_at.is_some() || found.status != AssistantRunStatus::Running)
}

/// Run `id` of `tenant`, as it stands.
pub async fn find_run(
    db: &DatabaseConnection,
    tenant: &str,
    id: i64,
) -> Result<assistant_run::Model> {
    scoped::<assistant_run::Entity>(tenant)
        .filter(assistant_run::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| crate::error::Error::NotFound("run".into()))
}

/// RUNNING runs whose heartbeat is older than `stale_micros`: their process died.
pub async fn stale(
    db: &DatabaseConnection,
    stale_micros: i64,
) -> Result<Vec<assistant_run::Model>> {
    Ok(assistant_run::Entity::find()
        .filter(assistant_run::Column::Status.eq(AssistantRunStatus::Running))
        .filter(assistant_run::Column::HeartbeatAt.lt(now() - stale_micros))
        .all(db)
        .await?)
}
