//! Files attached to messages and notes, and each tenant's use of its quota.
//!
//! - `attachments`: one file, attached to exactly one message or note (a CHECK). Its
//!   bytes are in the object store under `storage_key`; the row only describes them.
//! - `attachment_usage`: the bytes each tenant keeps. An upload reserves its bytes
//!   with `UPDATE ... SET used_bytes = used_bytes + n WHERE used_bytes + n <= quota`
//!   in the transaction that writes its rows, so concurrent uploads on PostgreSQL wait
//!   for each other on this row and cannot pass the quota together.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, big_pk_auto, text};
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("attachments")
                    .col(big_pk_auto("id"))
                    .col(text("tenant_id"))
                    .col(big_integer_null("message_id"))
                    .col(big_integer_null("note_id"))
                    .col(text("file_name"))
                    .col(text("content_type"))
                    .col(big_integer("size"))
                    .col(text("sha256"))
                    .col(text("storage_key"))
                    .col(big_integer("created_at"))
                    .check(Expr::cust("(message_id IS NULL) <> (note_id IS NULL)"))
                    .foreign_key(&mut crate::cascade("attachments", "tenant_id", "tenants"))
                    .foreign_key(&mut crate::cascade("attachments", "message_id", "messages"))
                    .foreign_key(&mut crate::cascade("attachments", "note_id", "notes"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_attachments_message ON attachments (tenant_id, message_id) \
             WHERE message_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_attachments_note ON attachments (tenant_id, note_id) \
             WHERE note_id IS NOT NULL",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("attachment_usage")
                    .col(text("tenant_id").primary_key())
                    .col(big_integer("used_bytes").default(0))
                    .foreign_key(&mut crate::cascade(
                        "attachment_usage",
                        "tenant_id",
                        "tenants",
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["attachment_usage", "attachments"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
