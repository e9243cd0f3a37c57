//! The assistant's runs and each conversation's queue of messages waiting for one.
//!
//! - `assistant_runs`: one answer the assistant is writing or wrote in a conversation.
//!   At most one is RUNNING per conversation: a partial unique index, so the database
//!   refuses a second whichever replica tries. `heartbeat_at` is moved while the run
//!   works; a RUNNING run whose heartbeat stopped (its process died) is marked FAILED.
//!   `cancel_requested_at` asks the replica running it to stop.
//! - `assistant_queue`: messages sent while a run was in progress, answered in `id`
//!   order when the run ends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, double_null, text, text_null,
};
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tenant_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_tenant_id"))
        .from(table, "tenant_id")
        .to("tenants", "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn conversation_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_conversation_id"))
        .from(table, "conversation_id")
        .to("conversations", "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("assistant_runs")
                    .col(big_pk_auto("id"))
                    .col(text("tenant_id"))
                    .col(big_integer("conversation_id"))
                    .col(text("status"))
                    .col(text("content"))
                    .col(big_integer_null("prompt_message_id"))
                    .col(big_integer_null("reply_message_id"))
                    .col(text_null("session_id"))
                    .col(text_null("trace_id"))
                    .col(text_null("agent_mode"))
                    .col(text_null("contextual_tools"))
                    .col(text_null("ui_context"))
                    .col(text_null("resume_payload"))
                    .col(boolean("is_sandbox").default(false))
                    .col(text("provider"))
                    .col(text("partial_text").default(""))
                    .col(double_null("confidence"))
                    .col(text_null("escalation_reason"))
                    .col(text_null("error"))
                    .col(big_integer("prompt_tokens").default(0))
                    .col(big_integer("completion_tokens").default(0))
                    .col(big_integer_null("created_by"))
                    .col(big_integer("started_at"))
                    .col(big_integer("heartbeat_at"))
                    .col(big_integer_null("cancel_requested_at"))
                    .col(big_integer_null("finished_at"))
                    .foreign_key(&mut tenant_fk("assistant_runs"))
                    .foreign_key(&mut conversation_fk("assistant_runs"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Partial: the same syntax on both databases.
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {} ON assistant_runs (tenant_id, conversation_id) \
             WHERE status = 'RUNNING'",
            crate::unique::ONE_RUNNING_RUN
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_assistant_runs_conversation ON assistant_runs \
             (tenant_id, conversation_id, id)",
        )
        .await?;
        // Runs started in the last minute, tokens used today.
        db.execute_unprepared(
            "CREATE INDEX idx_assistant_runs_started ON assistant_runs (tenant_id, started_at)",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("assistant_queue")
                    .col(big_pk_auto("id"))
                    .col(text("tenant_id"))
                    .col(big_integer("conversation_id"))
                    .col(text("content"))
                    .col(big_integer_null("created_by"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(&mut tenant_fk("assistant_queue"))
                    .foreign_key(&mut conversation_fk("assistant_queue"))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_assistant_queue_conversation ON assistant_queue \
             (tenant_id, conversation_id, id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["assistant_queue", "assistant_runs"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
