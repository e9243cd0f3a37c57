//! The rules of every write. Each public function runs in one transaction that
//! also appends the Activity row; an error (a refused rule included) rolls it back.

pub mod activity;
pub mod anonymize;
pub mod attributes;
pub mod capabilities;
pub mod cleanest_body;
pub mod conversations;
pub mod counters;
pub mod idempotency;
pub mod import;
pub mod messages;
pub mod notes;
pub mod ratings;
pub mod tags;
pub mod tickets;

use chrono::{DateTime, Utc};
use entity::{agent, conversation};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, QueryFilter, QuerySelect,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::db::{Tenanted, scoped};
use crate::error::{Error, Result, UserError, UserErrorCode};

/// Now, as stored: microseconds since the epoch.
pub fn now() -> i64 {
    Utc::now().timestamp_micros()
}

/// Starts a write transaction; on SQLite it takes the write lock at once, so two
/// writers queue instead of failing when both try to upgrade a read.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// The conversation `id` of the tenant, or NOT_FOUND.
pub async fn find_conversation(
    tx: &DatabaseTransaction,
    tenant: &str,
    id: i64,
) -> Result<conversation::Model> {
    scoped::<conversation::Entity>(tenant)
        .filter(conversation::Column::Id.eq(id))
        .one(tx)
        .await?
        .ok_or_else(|| Error::NotFound("conversation".into()))
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

/// The agent `id` of the tenant, or NOT_FOUND.
pub async fn find_agent(tx: &DatabaseTransaction, tenant: &str, id: i64) -> Result<agent::Model> {
    scoped::<agent::Entity>(tenant)
        .filter(agent::Column::Id.eq(id))
        .one(tx)
        .await?
        .ok_or_else(|| Error::NotFound("agent".into()))
}

/// Refuses an external id that another row of `E` (a `what`) in the tenant has in
/// `column`. The answer for the common case; a concurrent insert of the same id is
/// caught by the unique index (see `Error::from(DbErr)`).
pub async fn check_external_id_free<E: Tenanted>(
    tx: &DatabaseTransaction,
    tenant: &str,
    column: E::Column,
    external_id: Option<&str>,
    what: &str,
) -> Result<()> {
    let Some(external_id) = external_id else {
        return Ok(());
    };
    if scoped::<E>(tenant)
        .filter(column.eq(external_id))
        .one(tx)
        .await?
        .is_some()
    {
        return Err(UserError::duplicate_external_id(what).into());
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
