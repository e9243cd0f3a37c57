//! Idempotent creation: a retry with the same key and input gets the first result.

use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::now;
use crate::auth::Viewer;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// How long a key is remembered.
pub const KEEP_FOR_MICROS: i64 = 48 * 3600 * 1_000_000;

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

/// The remembered result of `key`, if it was used before (and is still kept).
pub async fn recall<T: DeserializeOwned>(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    key: &Key<'_>,
) -> Result<Option<T>> {
    let found = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(idempotency_key::Column::Key.eq(key.key))
        .filter(idempotency_key::Column::CreatedAt.gt(now() - KEEP_FOR_MICROS))
        .one(tx)
        .await?;
    let Some(found) = found else { return Ok(None) };
    if found.operation != key.operation || found.fingerprint != key.fingerprint {
        return Err(UserError::new(
            UserErrorCode::IdempotencyKeyReused,
            &["idempotencyKey"],
            "this key was already used for a different request",
        )
        .into());
    }
    serde_json::from_str(&found.result)
        .map(Some)
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Remembers `result` under `key`, in the transaction of the write it describes.
pub async fn remember(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    key: &Key<'_>,
    result: &impl Serialize,
) -> Result<()> {
    // An expired entry with the same key makes way for the new one.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(idempotency_key::Column::Key.eq(key.key))
        .exec(tx)
        .await?;
    idempotency_key::ActiveModel {
        tenant_id: Set(viewer.tenant.to_string()),
        key: Set(key.key.to_owned()),
        operation: Set(key.operation.to_owned()),
        fingerprint: Set(key.fingerprint.clone()),
        result: Set(serde_json::to_string(result).map_err(|e| Error::Internal(e.to_string()))?),
        created_at: Set(now()),
    }
    .insert(tx)
    .await?;
    Ok(())
}
