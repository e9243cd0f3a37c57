//! PostgreSQL text search by tenant: the GIN indexes over `search` also hold
//! `tenant_id` (btree_gin), so a search reads only the tenant's matches instead of
//! every tenant's, or every row of the tenant (EXPLAIN ANALYZE of `searchTickets`
//! for a word in one ticket in five, 2 x 20,000 tickets: 24 ms before, 5 ms after).
//! SQLite's FTS5 tables are unchanged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = ["tickets", "messages", "conversations"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        // A trusted extension: the database's owner may create it.
        db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS btree_gin")
            .await?;
        for table in TABLES {
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{table}_tenant_id_search ON {table} USING GIN (tenant_id, search)"
            ))
            .await?;
            db.execute_unprepared(&format!("DROP INDEX idx_{table}_search"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in TABLES {
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{table}_search ON {table} USING GIN (search)"
            ))
            .await?;
            db.execute_unprepared(&format!("DROP INDEX idx_{table}_tenant_id_search"))
                .await?;
        }
        Ok(())
    }
}
