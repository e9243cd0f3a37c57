//! Snoozing: a conversation set aside until a time. It is PENDING meanwhile, and
//! opens again when its time comes (the waker, on every replica), when the customer
//! writes, or when an agent wakes it. The time is stored, so a restart loses no
//! snooze; on PostgreSQL each due conversation is claimed by one replica with
//! `FOR UPDATE SKIP LOCKED`, so it is woken, and logged, exactly once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::conversation;
use entity::enums::{ActivityType, ConversationState};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::activity::{self, Detail};
use super::rules::{check_open, check_unchanged, find_conversation, invalid, lock_conversation};
use super::{begin, now};
use crate::auth::Viewer;
use crate::error::{Result, UserError, UserErrorCode};

/// Longest snooze: a year.
pub const MAX_SNOOZE: Duration = Duration::from_secs(365 * 24 * 3600);
/// Most conversations one round of the waker opens in one transaction.
const WAKE_BATCH: u64 = 100;

/// What `snooze` is asked to do.
pub struct Snooze {
    pub conversation_id: i64,
    /// Microseconds since the epoch.
    pub until: i64,
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// Snoozes an OPEN or PENDING conversation until a future time (CONVERSATION_CLOSED
/// when it is closed; a time not in the future, or more than a year ahead, is
/// INVALID_VALUE). Snoozing a snoozed conversation moves its time.
pub async fn snooze(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Snooze,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = lock_conversation(&tx, tenant, input.conversation_id).await?;
    check_unchanged(conv.updated_at, input.expected_updated_at)?;
    check_open(&conv)?;
    let at = now();
    let longest = i64::try_from(MAX_SNOOZE.as_micros()).unwrap_or(i64::MAX);
    if input.until <= at || input.until - at > longest {
        return Err(invalid(
            &["until"],
            "must be in the future, at most a year ahead",
        ));
    }
    let state_changed = conv.state != ConversationState::Pending;
    conversation::Entity::update_many()
        .col_expr(
            conversation::Column::State,
            Expr::value(ConversationState::Pending),
        )
        .col_expr(conversation::Column::SnoozedUntil, Expr::value(input.until))
        .col_expr(
            conversation::Column::StateUpdatedAt,
            Expr::value(if state_changed {
                at
            } else {
                conv.state_updated_at
            }),
        )
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(conv.id))
        .exec(&tx)
        .await?;
    activity::record(
        &tx,
        viewer,
        Some(conv.id),
        ActivityType::Snoozed,
        Detail::default(),
    )
    .await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

/// Opens a snoozed conversation now (INVALID_STATE when it is not snoozed).
pub async fn unsnooze(
    db: &DatabaseConnection,
    viewer: &Viewer,
    conversation_id: i64,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = lock_conversation(&tx, tenant, conversation_id).await?;
    if conv.snoozed_until.is_none() {
        return Err(UserError::new(
            UserErrorCode::InvalidState,
            &["conversationId"],
            "the conversation is not snoozed",
        )
        .into());
    }
    wake(&tx, &conv, Some(viewer.agent_id), now()).await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

/// Opens a snoozed conversation and logs it (UNSNOOZED, by `actor`; `None` when its
/// time came or the customer wrote). A conversation no longer snoozed is left alone.
pub async fn wake(
    tx: &DatabaseTransaction,
    conv: &conversation::Model,
    actor: Option<i64>,
    at: i64,
) -> Result<bool> {
    let woken = conversation::Entity::update_many()
        .col_expr(
            conversation::Column::State,
            Expr::value(ConversationState::Open),
        )
        .col_expr(conversation::Column::SnoozedUntil, Expr::value(None::<i64>))
        .col_expr(conversation::Column::StateUpdatedAt, Expr::value(at))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(conversation::Column::TenantId.eq(conv.tenant_id.as_str()))
        .filter(conversation::Column::Id.eq(conv.id))
        .filter(conversation::Column::SnoozedUntil.is_not_null())
        .filter(conversation::Column::State.ne(ConversationState::Closed))
        .exec(tx)
        .await?;
    if woken.rows_affected == 0 {
        return Ok(false);
    }
    let (tenant, id) = (conv.tenant_id.as_str(), Some(conv.id));
    let kind = ActivityType::Unsnoozed;
    activity::record_as(tx, tenant, actor, id, kind, Detail::default()).await?;
    Ok(true)
}

/// Opens the snoozed conversations whose time has come, up to a batch, in one
/// transaction; returns how many. Rows another replica is waking are skipped
/// (PostgreSQL); SQLite's write lock already lets one writer in at a time.
pub async fn wake_due(db: &DatabaseConnection) -> Result<usize> {
    let at = now();
    let due = || {
        conversation::Entity::find()
            .filter(conversation::Column::SnoozedUntil.lte(at))
            .filter(conversation::Column::State.ne(ConversationState::Closed))
    };
    // A plain read first: most rounds find nothing, and then take no write lock
    // (SQLite's would hold every writer up) and open no transaction.
    if due().one(db).await?.is_none() {
        return Ok(0);
    }
    let tx = begin(db).await?;
    let mut due = due()
        .order_by_asc(conversation::Column::SnoozedUntil)
        .limit(WAKE_BATCH);
    if db.get_database_backend() == DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut woken = 0;
    for conv in due.all(&tx).await? {
        if wake(&tx, &conv, None, at).await? {
            woken += 1;
        }
    }
    tx.commit().await?;
    Ok(woken)
}

/// Wakes due conversations every `interval` until the task is dropped; a failed
/// round (the database away) is logged and retried at the next tick.
pub async fn waker(db: DatabaseConnection, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            match wake_due(&db).await {
                Ok(n) if n as u64 == WAKE_BATCH => continue,
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(woken = n, "snoozed conversations opened");
                    }
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = ?err, "waking snoozed conversations failed");
                    break;
                }
            }
        }
    }
}
