//! Full-text search: SQLite FTS5 tables kept in sync by triggers, PostgreSQL
//! generated tsvector columns with GIN indexes. Both stem English words, so the same
//! query finds the same rows; anonymized text leaves the index with the update.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, FTS table, indexed columns, PostgreSQL document expression)
const INDEXED: [(&str, &str, &[&str], &str); 3] = [
    (
        "tickets",
        "ticket_fts",
        &["original_text", "cleanest_body"],
        "coalesce(original_text, '') || ' ' || coalesce(cleanest_body, '')",
    ),
    ("messages", "message_fts", &["text"], "text"),
    (
        "conversations",
        "conversation_fts",
        &["subject"],
        "coalesce(subject, '')",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, fts, columns, document) in INDEXED {
            let statements = match manager.get_database_backend() {
                DbBackend::Sqlite => sqlite_up(table, fts, columns),
                _ => vec![
                    format!(
                        "ALTER TABLE {table} ADD COLUMN search tsvector \
                         GENERATED ALWAYS AS (to_tsvector('english', {document})) STORED"
                    ),
                    format!("CREATE INDEX idx_{table}_search ON {table} USING GIN (search)"),
                ],
            };
            for statement in statements {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, fts, _, _) in INDEXED {
            let statements = match manager.get_database_backend() {
                DbBackend::Sqlite => ["ai", "ad", "au"]
                    .iter()
                    .map(|t| format!("DROP TRIGGER IF EXISTS {table}_fts_{t}"))
                    .chain([format!("DROP TABLE IF EXISTS {fts}")])
                    .collect(),
                _ => vec![format!("ALTER TABLE {table} DROP COLUMN search")],
            };
            for statement in statements {
                db.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }
}

/// An external-content FTS5 table over `columns` of `table`, its triggers, and the
/// rows already there.
fn sqlite_up(table: &str, fts: &str, columns: &[&str]) -> Vec<String> {
    let cols = columns.join(", ");
    let new = columns
        .iter()
        .map(|c| format!("new.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let old = columns
        .iter()
        .map(|c| format!("old.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!("INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});");
    let delete =
        format!("INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});");
    vec![
        format!(
            "CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', \
             tokenize='porter unicode61 remove_diacritics 2')"
        ),
        format!("CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN {insert} END"),
        format!("CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN {delete} END"),
        format!(
            "CREATE TRIGGER {table}_fts_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END"
        ),
        format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
    ]
}
