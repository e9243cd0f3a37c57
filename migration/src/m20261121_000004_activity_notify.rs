//! Live updates across replicas on PostgreSQL: every committed Activity row is
//! announced on the `parley_activity` channel (NOTIFY is sent at commit, in commit
//! order). SQLite needs nothing: its gateway watches the table itself.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE OR REPLACE FUNCTION parley_notify_activity() RETURNS trigger AS $$ \
             BEGIN PERFORM pg_notify('parley_activity', NEW.id::text); RETURN NEW; END \
             $$ LANGUAGE plpgsql",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER activities_notify AFTER INSERT ON activities \
             FOR EACH ROW EXECUTE FUNCTION parley_notify_activity()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS activities_notify ON activities")
            .await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS parley_notify_activity()")
            .await?;
        Ok(())
    }
}
