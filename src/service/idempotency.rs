//! Idempotent creation: a retry with the same key and input gets the first result.
//!
//! Every idempotent mutation goes through [`reserve`] first and [`remember`] last, in
//! the one transaction of its write. `reserve` inserts the key's row before the write
//! (`INSERT ... ON CONFLICT`), so the key is taken, not merely looked up: a concurrent
//! request with the same key waits on that row (PostgreSQL makes an insert of a key
//! another open transaction holds wait for it; SQLite's single writer queues whole
//! transactions), then finds the first request's result and replays it. If the first
//! request rolls back, its reservation goes with it and the next request writes.
//! Exactly one write happens per key, and every caller gets its answer.

use entity::idempotency_key;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::now;
use crate::auth::Viewer;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// How long a key is remembered.
pub const KEEP_FOR_MICROS: i64 = 48 * 3600 * 1_000_000;

/// The `result` of a reserved key whose write has not committed yet. Only the
/// reserving transaction can see it: the reservation commits with the result.
const PENDING: &str = "";

/// A client's idempotency key for one operation and input.
pub struct Key<'a> {
    key: &'a str,
    operation: &'static str,
    fingerprint: String,
}

impl<'a> Key<'a> {
    /// The key for `operation` with `input`; `None` when the client sent no key.
    pub fn new(
        key: Option<&'a str>,
        operation: &'static str,
        input: &impl Serialize,
    ) -> Result<Option<Key<'a>>> {
        let Some(key) = key else { return Ok(None) };
        if key.is_empty() || key.len() > 200 {
            return Err(UserError::new(
                UserErrorCode::InvalidValue,
                &["idempotencyKey"],
                "must be 1 to 200 characters",
            )
            .into());
        }
        let json = serde_json::to_vec(input).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(Some(Key {
            key,
            operation,
            fingerprint: format!("{:x}", Sha256::digest(json)),
        }))
    }
}

/// Reserves `key` for the write this transaction is about to make (`None`: go
/// ahead, then [`remember`] the result), or returns the result remembered for it
/// when another request used it first (replay it; write nothing). A key that was
/// used with another operation or input is IDEMPOTENCY_KEY_REUSED.
///
/// An expired key is taken over, in the same statement, as if it were new.
pub async fn reserve<T: DeserializeOwned>(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    key: &Key<'_>,
) -> Result<Option<T>> {
    use idempotency_key::Column;
    let at = now();
    let row = idempotency_key::ActiveModel {
        tenant_id: Set(viewer.tenant.to_string()),
        key: Set(key.key.to_owned()),
        operation: Set(key.operation.to_owned()),
        fingerprint: Set(key.fingerprint.clone()),
        result: Set(PENDING.to_owned()),
        created_at: Set(at),
    };
    let expired = Expr::col((idempotency_key::Entity, Column::CreatedAt)).lte(at - KEEP_FOR_MICROS);
    let reserved = idempotency_key::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::TenantId, Column::Key])
                .update_columns([
                    Column::Operation,
                    Column::Fingerprint,
                    Column::Result,
                    Column::CreatedAt,
                ])
                .action_and_where(expired)
                .to_owned(),
        )
        .exec_without_returning(tx)
        .await?;
    if reserved == 1 {
        return Ok(None);
    }
    // Taken and kept: the request that took it has committed (the insert waited).
    let found = idempotency_key::Entity::find()
        .filter(Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(Column::Key.eq(key.key))
        .one(tx)
        .await?
        .ok_or_else(|| Error::Internal("a taken idempotency key vanished".into()))?;
    if found.operation != key.operation || found.fingerprint != key.fingerprint {
        return Err(UserError::new(
            UserErrorCode::IdempotencyKeyReused,
            &["idempotencyKey"],
            "this key was already used for a different request",
        )
        .into());
    }
    if found.result == PENDING {
        return Err(Error::Internal(
            "an idempotency key was committed without its result".into(),
        ));
    }
    serde_json::from_str(&found.result)
        .map(Some)
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Remembers `result` under `key`, which this transaction [`reserve`]d, in the
/// transaction of the write it describes.
pub async fn remember(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    key: &Key<'_>,
    result: &impl Serialize,
) -> Result<()> {
    use idempotency_key::Column;
    let result = serde_json::to_string(result).map_err(|e| Error::Internal(e.to_string()))?;
    let updated = idempotency_key::Entity::update_many()
        .col_expr(Column::Result, Expr::value(result))
        .filter(Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(Column::Key.eq(key.key))
        .filter(Column::Result.eq(PENDING))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Error::Internal(
            "remembering an idempotency key this transaction did not reserve".into(),
        ));
    }
    Ok(())
}
