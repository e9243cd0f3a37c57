//! Outbound webhooks.
//!
//! - `webhook_endpoints`: where a tenant wants its events posted, which types
//!   (`event_types`, a JSON array of ActivityType names), the signing secret and the
//!   previous one while a rotation's grace period lasts.
//! - `webhook_deliveries`: the outbox. One row per (activity, endpoint subscribed to
//!   its type), inserted by a trigger on `activities`, so in the transaction of the
//!   change whatever path wrote it, at no extra round trip: a rolled-back change
//!   sends nothing, a committed one is never lost. A worker claims due rows (`locked_until`, a lease; on PostgreSQL
//!   `FOR UPDATE SKIP LOCKED`, so each row goes to one replica) and posts them.
//! - `webhook_attempts`: every post of a delivery, for the delivery log.
//! - `activities.webhook_endpoint_id`: the endpoint an entry is about
//!   (WEBHOOK_ENDPOINT_DISABLED).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, integer, integer_null, text, text_null,
};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// The deliveries of a new activity row `NEW`: one per enabled endpoint of its
/// tenant whose `event_types` name its type (`"KIND"`, quotes included, found by
/// `find`: `instr` on SQLite, `strpos` on PostgreSQL), due at once.
fn outbox(find: &str) -> String {
    format!(
        "INSERT INTO webhook_deliveries \
         (tenant_id, endpoint_id, activity_id, event_type, status, attempts, next_attempt_at, created_at) \
         SELECT e.tenant_id, e.id, NEW.id, NEW.kind, 'PENDING', 0, NEW.occurred_at, NEW.occurred_at \
         FROM webhook_endpoints e \
         WHERE e.tenant_id = NEW.tenant_id AND e.enabled \
         AND {find}(e.event_types, '\"' || NEW.kind || '\"') > 0"
    )
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhook_endpoints")
                    .col(big_pk_auto("id"))
                    .col(text("tenant_id"))
                    .col(text("url"))
                    .col(text_null("description"))
                    .col(text("event_types"))
                    .col(boolean("enabled"))
                    .col(text("secret"))
                    .col(text_null("previous_secret"))
                    .col(big_integer_null("previous_secret_expires_at"))
                    .col(big_integer_null("disabled_at"))
                    .col(text_null("disabled_reason"))
                    .col(big_integer_null("last_success_at"))
                    .col(big_integer_null("created_by"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .foreign_key(&mut crate::cascade(
                        "webhook_endpoints",
                        "tenant_id",
                        "tenants",
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX idx_webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id)",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(big_pk_auto("id"))
                    .col(text("tenant_id"))
                    .col(big_integer("endpoint_id"))
                    .col(big_integer("activity_id"))
                    .col(text("event_type"))
                    .col(text("status"))
                    .col(integer("attempts").default(0))
                    .col(big_integer_null("next_attempt_at"))
                    .col(big_integer_null("locked_until"))
                    .col(integer_null("last_status_code"))
                    .col(text_null("last_error"))
                    .col(big_integer_null("redelivered_at"))
                    .col(big_integer("created_at"))
                    .col(big_integer_null("delivered_at"))
                    .foreign_key(&mut crate::cascade(
                        "webhook_deliveries",
                        "endpoint_id",
                        "webhook_endpoints",
                    ))
                    .foreign_key(&mut crate::cascade(
                        "webhook_deliveries",
                        "activity_id",
                        "activities",
                    ))
                    .to_owned(),
            )
            .await?;
        // What the worker claims: pending rows by due time.
        db.execute_unprepared(
            "CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries (next_attempt_at) \
             WHERE status = 'PENDING'",
        )
        .await?;
        // An endpoint's delivery log, newest first.
        db.execute_unprepared(
            "CREATE INDEX idx_webhook_deliveries_endpoint ON webhook_deliveries \
             (tenant_id, endpoint_id, id)",
        )
        .await?;
        // Retention: old finished rows.
        db.execute_unprepared(
            "CREATE INDEX idx_webhook_deliveries_created ON webhook_deliveries (created_at)",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .col(big_pk_auto("id"))
                    .col(text("tenant_id"))
                    .col(big_integer("delivery_id"))
                    .col(big_integer("attempted_at"))
                    .col(integer_null("status_code"))
                    .col(integer("duration_ms"))
                    .col(text_null("error"))
                    .col(text_null("response_body"))
                    .foreign_key(&mut crate::cascade(
                        "webhook_attempts",
                        "delivery_id",
                        "webhook_deliveries",
                    ))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_webhook_attempts_delivery ON webhook_attempts (delivery_id, id)",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("activities")
                    .add_column(big_integer_null("webhook_endpoint_id"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared(&format!(
                "CREATE TRIGGER activities_webhook_outbox AFTER INSERT ON activities \
                 BEGIN {}; END",
                outbox("instr")
            ))
            .await?;
        } else {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION parley_webhook_outbox() RETURNS trigger AS $$ \
                 BEGIN {}; RETURN NULL; END $$ LANGUAGE plpgsql",
                outbox("strpos")
            ))
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER activities_webhook_outbox AFTER INSERT ON activities \
                 FOR EACH ROW EXECUTE FUNCTION parley_webhook_outbox()",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared("DROP TRIGGER IF EXISTS activities_webhook_outbox")
                .await?;
        } else {
            db.execute_unprepared("DROP TRIGGER IF EXISTS activities_webhook_outbox ON activities")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS parley_webhook_outbox()")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("activities")
                    .drop_column("webhook_endpoint_id")
                    .to_owned(),
            )
            .await?;
        for table in [
            "webhook_attempts",
            "webhook_deliveries",
            "webhook_endpoints",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
