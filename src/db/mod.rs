//! The database: connecting, migrating, counting statements, and tenant-scoped
//! query builders, the only way the gateway reads a table.

mod stats;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ColumnTrait, ConnectOptions, DatabaseConnection, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};

pub use stats::{SqlStats, TrackedFuture, global_sql_stats, track};

use crate::config::DbArgs;
use crate::error::Result;
use crate::pagination::{Cursor, Page, PageRequest, TotalCount};

/// Opens the pool (SQLite in WAL mode with foreign keys on), counting every statement.
pub async fn connect(args: &DbArgs) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(args.database_url.clone());
    options
        .max_connections(args.pool_size)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .statement_timeout(args.statement_timeout)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .statement_cache_capacity(512)
        });
    let mut db = sea_orm::Database::connect(options).await?;
    db.set_metric_callback(stats::record);
    Ok(db)
}

/// Brings the schema up to date.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// A table whose rows belong to one tenant each.
pub trait Tenanted: EntityTrait {
    /// The `tenant_id` column.
    fn tenant_column() -> Self::Column;
}

/// `SELECT ... FROM <table> WHERE tenant_id = ?`: every read starts here.
pub fn scoped<E: Tenanted>(tenant: &str) -> Select<E> {
    E::find().filter(E::tenant_column().eq(tenant))
}

macro_rules! tenanted {
    ($($table:ident),* $(,)?) => {
        $(impl Tenanted for entity::$table::Entity {
            fn tenant_column() -> Self::Column {
                entity::$table::Column::TenantId
            }
        })*
    };
}

tenanted!(
    activity,
    agent,
    contact,
    conversation,
    conversation_attribute_value,
    conversation_tag,
    custom_attribute_definition,
    message,
    note,
    queue,
    rating,
    tag,
    ticket,
    ticket_tag,
);

/// Reads one keyset page of `select`, sorted by `sort` in `order` (one statement).
pub async fn page<E: EntityTrait>(
    db: &DatabaseConnection,
    mut select: Select<E>,
    sort: [E::Column; 2],
    order: Order,
    page: &PageRequest,
) -> Result<Page<E::Model>> {
    page.check_cursor_shape(sort.len())?;
    if let Some(cut) = page.condition(&sort, &order) {
        select = select.filter(cut);
    }
    let read = page.read_order(&order);
    for column in sort {
        select = select.order_by(column, read.clone());
    }
    let rows = select.limit(page.limit + 1).all(db).await?;
    Ok(page.finish(
        rows.into_iter()
            .map(|row| (Cursor::of(&row, &sort), row))
            .collect(),
    ))
}

/// `totalCount` of `select`, run only if the client asks for it.
pub fn total<E>(db: &DatabaseConnection, select: Select<E>) -> TotalCount
where
    E: EntityTrait,
    E::Model: Sync,
{
    let db = db.clone();
    TotalCount::new(move || {
        let (db, select) = (db.clone(), select.clone());
        async move { Ok(select.count(&db).await? as i64) }
    })
}
