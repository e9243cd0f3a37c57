//! Batched loading. One `DataLoader<DbLoader>` per request serves every key type
//! below; each key carries the tenant, so a batch can never cross tenants.

mod attribute_values;
mod children;
mod relations;
mod row;

use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use sea_orm::DatabaseConnection;

pub use attribute_values::AttributeValuesByConversation;
pub use children::{ChildCount, ChildPage, Relation};
pub use relations::*;
pub use row::{HasId, RowById};

use crate::db::{SqlStats, track};
use crate::error::Error;

/// The per-request loader.
pub type Loaders = DataLoader<DbLoader, HashMapCache>;

/// Loads rows for the keys of one batch; an error is shared by the whole batch.
pub struct DbLoader {
    db: DatabaseConnection,
}

/// A fresh loader for one request, whose batches count their SQL into `stats`.
pub fn loaders(db: DatabaseConnection, stats: Arc<SqlStats>) -> Loaders {
    DataLoader::with_cache(DbLoader { db }, move |fut| tokio::spawn(track(stats.clone(), fut)), HashMapCache::default())
}

/// Errors a batch can share.
pub type LoadError = Arc<Error>;

impl From<LoadError> for Error {
    fn from(err: LoadError) -> Self {
        Arc::unwrap_or_clone(err)
    }
}

/// Splits a batch by tenant (in practice a request has one).
fn by_tenant<K, V>(keys: &[K], tenant: impl Fn(&K) -> &Arc<str>, value: impl Fn(&K) -> V) -> Vec<(Arc<str>, Vec<V>)> {
    let mut groups: Vec<(Arc<str>, Vec<V>)> = Vec::new();
    for key in keys {
        let t = tenant(key);
        match groups.iter_mut().find(|(g, _)| g == t) {
            Some((_, values)) => values.push(value(key)),
            None => groups.push((t.clone(), vec![value(key)])),
        }
    }
    groups
}
