//! The database: connecting, migrating, counting statements, and tenant-scoped
//! query builders, the only way the gateway reads a table.

mod stats;

use std::time::Duration;

use entity::{ByPosition, FromRow};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    Order, PaginatorTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, Select,
    SqlxSqliteConnector, Statement,
};

pub use stats::{SqlStats, TrackedFuture, global_sql_stats, track};

use crate::config::DbArgs;
use crate::error::Result;
use crate::pagination::{Cursor, KeyPart, Page, PageRequest, TotalCount};

/// Opens the pool (SQLite in WAL mode with foreign keys on), counting every statement.
pub async fn connect(args: &DbArgs) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(args.database_url.clone());
    options
        .max_connections(args.pool_size())
        .min_connections(1)
        .acquire_timeout(args.acquire_timeout)
        .connect_timeout(args.acquire_timeout)
        .sqlx_logging(false)
        .statement_timeout(args.statement_timeout)
        // A connection used within the last second is handed out without a ping (a
        // round trip per statement otherwise); one idle longer, which a restarted or
        // dropped server may have closed, is pinged first. A connection that breaks
        // in use is discarded and the request fails with SERVICE_UNAVAILABLE.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .map_sqlx_postgres_opts({
            let mode = args.plan_cache_mode.as_str();
            move |o| o.options([("plan_cache_mode", mode)])
        })
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .statement_cache_capacity(512)
                // Keeps the planner's statistics current as tables grow.
                .optimize_on_close(true, ANALYSIS_LIMIT)
        });
    let mut db = sea_orm::Database::connect(options).await?;
    db.set_metric_callback(stats::record);
    Ok(db)
}

/// The connection writes go through, as request data. On SQLite it is one connection
/// of its own: writers wait their turn in the process, in order, rather than in
/// SQLite's busy handler, which sleeps between retries, and readers keep the pool.
/// Elsewhere it is the pool itself.
#[derive(Clone)]
pub struct Writer(pub DatabaseConnection);

impl Writer {
    /// The writer beside `db`'s pool.
    pub fn for_pool(db: &DatabaseConnection) -> Writer {
        if db.get_database_backend() != DbBackend::Sqlite {
            return Writer(db.clone());
        }
        let pool = db.get_sqlite_connection_pool();
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(pool.options().get_acquire_timeout())
            .connect_lazy_with(pool.connect_options().as_ref().clone());
        let mut writer = SqlxSqliteConnector::from_sqlx_sqlite_pool(writer);
        writer.set_metric_callback(stats::record);
        Writer(writer)
    }
}

/// Rows SQLite samples per index when it gathers planner statistics.
const ANALYSIS_LIMIT: u32 = 1000;

/// Brings the schema up to date, and on SQLite the planner's statistics.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // Without statistics SQLite takes `tenant_id = ?` for selective and reads a
        // tenant's rows through a tenant index where the primary key finds a few.
        // Sampled statistics take milliseconds; later starts only refresh stale ones.
        let analyzed = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'",
            ))
            .await?
            .is_some();
        let refresh = if analyzed {
            "PRAGMA optimize = 0x10002"
        } else {
            "ANALYZE"
        };
        db.execute_unprepared(&format!(
            "PRAGMA analysis_limit = {ANALYSIS_LIMIT}; {refresh}"
        ))
        .await?;
    }
    Ok(())
}

/// Exact planner statistics, compact indexes and, on SQLite, everything written moved
/// from the log into the database file: for a database just filled in bulk.
pub async fn analyze(db: &DatabaseConnection) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.execute_unprepared(
                "PRAGMA analysis_limit = 0; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)",
            )
            .await?;
        }
        _ => {
            // VACUUM also merges the GIN indexes' pending lists, which a bulk load
            // fills: until then a text search reads them entry by entry (and the
            // planner, misled, passes the search index by), 18 ms instead of 5.
            db.execute_unprepared("VACUUM ANALYZE").await?;
        }
    }
    Ok(())
}

/// A table whose rows belong to one tenant each.
pub trait Tenanted: EntityTrait<Model: FromRow> {
    /// The `tenant_id` column.
    fn tenant_column() -> Self::Column;
}

/// The rows of `select`, decoded by position (see [`FromRow`]).
pub async fn all<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
) -> Result<Vec<E::Model>, sea_orm::DbErr>
where
    E: EntityTrait<Model: FromRow>,
{
    let rows = select.into_model::<ByPosition<E::Model>>().all(db).await?;
    Ok(rows.into_iter().map(|row| row.0).collect())
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
    assistant_queue,
    assistant_run,
    activity,
    agent,
    attachment,
    contact,
    conversation,
    conversation_attribute_value,
    conversation_tag,
    custom_attribute_definition,
    flow,
    message,
    note,
    queue,
    rating,
    tag,
    ticket,
    ticket_tag,
    voice_session,
    webhook_attempt,
    webhook_delivery,
    webhook_endpoint,
);

/// Reads one keyset page of `select`, sorted by `sort` in `order` (one statement).
pub async fn page<E: EntityTrait<Model: FromRow>>(
    db: &DatabaseConnection,
    select: Select<E>,
    sort: [E::Column; 2],
    order: Order,
    page: &PageRequest,
) -> Result<Page<E::Model>> {
    Ok(page_rows(db, select, sort, order, page)
        .await?
        .map(|(model, _)| model))
}

/// [`page`], with each row as it came beside its model, for a caller that reads the
/// columns `select` adds after the entity's (those of joined tables).
pub async fn page_rows<E: EntityTrait<Model: FromRow>>(
    db: &DatabaseConnection,
    select: Select<E>,
    sort: [E::Column; 2],
    order: Order,
    page: &PageRequest,
) -> Result<Page<(E::Model, QueryResult)>> {
    let rows = db
        .query_all_raw(keyset(db, select, sort, &order, page)?)
        .await?;
    let mut paged = Vec::with_capacity(rows.len());
    for row in rows {
        let model = E::Model::from_row(&row)?;
        paged.push((Cursor::of(&model, &sort), (model, row)));
    }
    Ok(page.finish(paged))
}

/// One page of the rows of `select`, which chooses its own columns (no model is read):
/// each row with its cursor, read from the sort columns added as `key0` and `key1`.
pub async fn page_selected<E: EntityTrait>(
    db: &DatabaseConnection,
    select: Select<E>,
    sort: [E::Column; 2],
    order: Order,
    page: &PageRequest,
) -> Result<Page<QueryResult>> {
    let select = select.column_as(sort[0], "key0").column_as(sort[1], "key1");
    let rows = db
        .query_all_raw(keyset(db, select, sort, &order, page)?)
        .await?;
    let mut paged = Vec::with_capacity(rows.len());
    for row in rows {
        let key = |name: &str| match row.try_get::<i64>("", name) {
            Ok(int) => Ok(KeyPart::Int(int)),
            Err(_) => row.try_get::<String>("", name).map(KeyPart::Text),
        };
        paged.push((Cursor(vec![key("key0")?, key("key1")?]), row));
    }
    Ok(page.finish(paged))
}

/// `select` cut at the page's cursor, in its read order, one row beyond its size.
fn keyset<E: EntityTrait>(
    db: &DatabaseConnection,
    mut select: Select<E>,
    sort: [E::Column; 2],
    order: &Order,
    page: &PageRequest,
) -> Result<sea_orm::Statement> {
    page.check_cursors_for(&sort)?;
    if let Some(cut) = page.condition(&sort, order) {
        select = select.filter(cut);
    }
    let read = page.read_order(order);
    for column in sort {
        select = select.order_by(column, read.clone());
    }
    Ok(select
        .limit(page.limit + 1)
        .build(db.get_database_backend()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DbArgs;

    #[tokio::test]
    async fn sqlite_writes_have_one_connection_of_their_own() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        let args = DbArgs {
            pool_size: None,
            ..DbArgs::url(url, 0)
        };
        let db = connect(&args).await?;
        let writer = Writer::for_pool(&db);
        let max = |db: &DatabaseConnection| {
            db.get_sqlite_connection_pool()
                .options()
                .get_max_connections()
        };
        assert_eq!((max(&db), max(&writer.0)), (4, 1));
        // The same database: what the writer commits, the readers see.
        writer
            .0
            .execute_unprepared("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2)")
            .await?;
        let read = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT COUNT(*) AS n FROM t",
            ))
            .await?
            .expect("a row");
        assert_eq!(read.try_get::<i64>("", "n")?, 2);
        Ok(())
    }
}
