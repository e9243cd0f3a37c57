//! What the write side needs: remembered idempotency keys, the previous assignee on
//! activity entries, and an index that keeps ticket deletes from scanning the log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(text("tenant_id"))
                    .col(text("key"))
                    .col(text("operation"))
                    .col(text("fingerprint"))
                    .col(text("result"))
                    .col(big_integer("created_at"))
                    .primary_key(Index::create().col("tenant_id").col("key"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("idempotency_keys", "tenant_id")
                            .to("tenants", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_tenant_created")
                    .table("idempotency_keys")
                    .col("tenant_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("activities")
                    .add_column(big_integer_null("from_agent_id"))
                    .to_owned(),
            )
            .await?;
        // The foreign key activities.ticket_id -> tickets is checked by ticket id alone.
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_ticket")
                    .table("activities")
                    .col("ticket_id")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_activities_ticket")
                    .table("activities")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("activities")
                    .drop_column("from_agent_id")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("idempotency_keys").to_owned())
            .await?;
        Ok(())
    }
}
