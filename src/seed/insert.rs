//! Writing generated rows fast: multi-row INSERTs as large as the bind-parameter limit allows.

use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{ConnectionTrait, DbBackend, EntityName, EntityTrait, Iterable, ModelTrait};

use super::generate::{Batch, NextIds};

/// Bind parameters one statement may carry.
fn max_parameters(backend: DbBackend) -> usize {
    match backend {
        // SQLITE_MAX_VARIABLE_NUMBER of the bundled SQLite (3.32 and later).
        DbBackend::Sqlite => 32_766,
        // The Bind message of the wire protocol counts parameters in 16 bits.
        _ => 65_535,
    }
}

/// Inserts `rows` with every column, as few statements as the parameter limit allows.
pub(super) async fn rows<M: ModelTrait>(
    conn: &impl ConnectionTrait,
    rows: &[M],
) -> anyhow::Result<()> {
    let columns: Vec<_> = <M::Entity as EntityTrait>::Column::iter().collect();
    let per_statement = (max_parameters(conn.get_database_backend()) / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut insert = Query::insert();
        insert
            .into_table(M::Entity::default().table_ref())
            .columns(columns.iter().copied());
        for row in chunk {
            insert.values(columns.iter().map(|column| Expr::val(row.get(*column))))?;
        }
        conn.execute(&insert).await?;
    }
    Ok(())
}

/// Inserts a batch, parents before children so that every foreign key holds.
pub(super) async fn batch(conn: &impl ConnectionTrait, batch: &Batch) -> anyhow::Result<()> {
    rows(conn, &batch.conversations).await?;
    rows(conn, &batch.messages).await?;
    rows(conn, &batch.tickets).await?;
    rows(conn, &batch.ticket_tags).await?;
    rows(conn, &batch.conversation_tags).await?;
    rows(conn, &batch.notes).await?;
    rows(conn, &batch.ratings).await?;
    rows(conn, &batch.attribute_values).await?;
    rows(conn, &batch.activities).await?;
    rows(conn, &batch.voice_sessions).await?;
    Ok(())
}

/// Tables whose `id` is generated, with the largest id in use.
const ID_TABLES: [&str; 12] = [
    "agents",
    "contacts",
    "queues",
    "conversations",
    "messages",
    "tickets",
    "tags",
    "notes",
    "ratings",
    "activities",
    "custom_attribute_definitions",
    "flows",
];

/// The largest id of every table, read inside the seeding transaction.
pub(super) async fn next_ids(conn: &impl ConnectionTrait) -> anyhow::Result<NextIds> {
    let mut max = [0i64; ID_TABLES.len()];
    for (table, max) in ID_TABLES.iter().zip(max.iter_mut()) {
        let query = Query::select()
            .expr(Func::max(Expr::col("id")))
            .from(*table)
            .to_owned();
        if let Some(row) = conn.query_one(&query).await? {
            *max = row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0);
        }
    }
    let [
        agent,
        contact,
        queue,
        conversation,
        message,
        ticket,
        tag,
        note,
        rating,
        activity,
        definition,
        flow,
    ] = max;
    Ok(NextIds {
        agent,
        contact,
        queue,
        conversation,
        message,
        ticket,
        tag,
        note,
        rating,
        activity,
        definition,
        flow,
    })
}

/// On PostgreSQL, moves each id sequence past the ids written explicitly, so that later
/// inserts that leave `id` to the database do not collide. SQLite needs nothing: its
/// AUTOINCREMENT counter follows explicit ids by itself.
pub(super) async fn reset_sequences(conn: &impl ConnectionTrait) -> anyhow::Result<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in ID_TABLES {
        // An empty table gives setval(..., NULL), which leaves the sequence alone.
        conn.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        ))
        .await?;
    }
    Ok(())
}
