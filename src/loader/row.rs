//! Any tenant-owned row by its id: one `WHERE tenant_id = ? AND id IN (...)` per batch.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use derive_where::derive_where;
use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, QueryFilter, Value};

use super::{DbLoader, LoadError, by_tenant};
use crate::db::{Tenanted, all, scoped};

/// A table with a single-column integer primary key (`id`, or for a row that
/// extends another, that row's id).
pub trait HasId: Tenanted {
    /// The key column.
    fn id_column() -> Self::Column;
}

/// A voice session is found by its conversation's id.
impl HasId for entity::voice_session::Entity {
    fn id_column() -> Self::Column {
        entity::voice_session::Column::ConversationId
    }
}

/// Key: the row `id` of table `E` in `tenant`.
#[derive_where(Clone, PartialEq, Eq, Hash)]
pub struct RowById<E> {
    pub tenant: Arc<str>,
    pub id: i64,
    table: PhantomData<fn() -> E>,
}

impl<E> RowById<E> {
    pub fn new(tenant: &Arc<str>, id: i64) -> Self {
        RowById {
            tenant: tenant.clone(),
            id,
            table: PhantomData,
        }
    }
}

/// Reads an integer column of a row (ids and foreign keys).
pub fn int_of<M: ModelTrait>(row: &M, column: <M::Entity as EntityTrait>::Column) -> Option<i64> {
    match row.get(column) {
        Value::BigInt(v) => v,
        Value::Int(v) => v.map(i64::from),
        _ => None,
    }
}

impl<E> Loader<RowById<E>> for DbLoader
where
    E: HasId + Send + Sync + 'static,
    E::Model: Send + Sync + Clone,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[RowById<E>]) -> Result<HashMap<RowById<E>, E::Model>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, ids) in by_tenant(keys, |k| &k.tenant, |k| k.id) {
            let rows = all(
                &self.db,
                scoped::<E>(&tenant).filter(E::id_column().is_in(ids)),
            )
            .await
            .map_err(|e| Arc::new(e.into()))?;
            for row in rows {
                if let Some(id) = int_of(&row, E::id_column()) {
                    out.insert(RowById::new(&tenant, id), row);
                }
            }
        }
        Ok(out)
    }
}

macro_rules! has_id {
    ($($table:ident),* $(,)?) => {
        $(impl HasId for entity::$table::Entity {
            fn id_column() -> Self::Column {
                entity::$table::Column::Id
            }
        })*
    };
}

has_id!(
    assistant_queue,
    assistant_run,
    activity,
    agent,
    attachment,
    contact,
    conversation,
    custom_attribute_definition,
    flow,
    message,
    note,
    queue,
    rating,
    tag,
    ticket,
    webhook_delivery,
    webhook_endpoint,
);
