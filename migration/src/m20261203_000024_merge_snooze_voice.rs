//! Merged and snoozed conversations, and voice sessions.
//!
//! - `conversations.merged_into_id`: the conversation a merged one lives on in (no
//!   foreign key, like `last_message_id`: SQLite adds none to an existing table).
//! - `conversations.snoozed_until`: when a snoozed conversation opens again, read by
//!   the waker through a partial index of the snoozed ones only.
//! - `activities.other_conversation_id`: the other side of a merge.
//! - `voice_sessions`: one per voice conversation, keyed by it, with the session's
//!   connection code (unique in the tenant), status, properties and path.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, text};
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        ("conversations", big_integer_null("merged_into_id")),
        ("conversations", big_integer_null("snoozed_until")),
        ("activities", big_integer_null("other_conversation_id")),
    ]
}

/// The index the waker reads: snoozed conversations by due time.
const SNOOZED: &str = "idx_conversations_snoozed_until";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::add(manager, columns()).await?;
        // Partial: only the few snoozed rows are in it (same syntax on both databases).
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {SNOOZED} ON conversations (snoozed_until) \
                 WHERE snoozed_until IS NOT NULL"
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("voice_sessions")
                    .col(big_integer("conversation_id").primary_key())
                    .col(text("tenant_id"))
                    .col(text("connection_code"))
                    .col(text("status"))
                    .col(text("session_properties").default("{}"))
                    .col(text("path_taken").default("[]"))
                    .col(big_integer_null("started_at"))
                    .col(big_integer_null("ended_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_voice_sessions_conversation_id")
                            .from("voice_sessions", "conversation_id")
                            .to("conversations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_voice_sessions_tenant_id")
                            .from("voice_sessions", "tenant_id")
                            .to("tenants", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(crate::unique::CONNECTION_CODE)
                    .table("voice_sessions")
                    .col("tenant_id")
                    .col("connection_code")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_voice_sessions_tenant_id_status")
                    .table("voice_sessions")
                    .col("tenant_id")
                    .col("status")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("voice_sessions").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(SNOOZED)
                    .table("conversations")
                    .to_owned(),
            )
            .await?;
        crate::columns::drop(manager, columns()).await
    }
}
