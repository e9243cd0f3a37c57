//! Schema migrations of Parley, identical on SQLite and PostgreSQL.
//!
//! Run them with `Migrator::up(&db, None)`.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261121_000001_create_schema;
mod m20261121_000002_writes;
mod m20261121_000003_search;
mod m20261121_000004_activity_notify;
mod m20261121_000010_search_by_tenant;
mod m20261203_000020_unique_message_ids_contact_emails;
mod m20261203_000021_ratings_by_time;
mod m20261203_000022_message_language_confidence;
mod m20261203_000023_seed_parity;
mod m20261203_000024_merge_snooze_voice;
mod m20261204_000025_assistant;
mod m20261204_000026_webhooks;
mod m20261205_000026_attachments;

/// The names of the unique indexes whose violation is the client's doing (a value
/// another row already has), for the gateway to tell it apart from a bug. Named as
/// `uq_<table>_<columns>` like every unique index of the schema.
pub mod unique {
    /// `conversations (tenant_id, external_id)`.
    pub const CONVERSATION_EXTERNAL_ID: &str = "uq_conversations_tenant_id_external_id";
    /// `tickets (tenant_id, external_id)`.
    pub const TICKET_EXTERNAL_ID: &str = "uq_tickets_tenant_id_external_id";
    /// `messages (tenant_id, external_id)`.
    pub const MESSAGE_EXTERNAL_ID: &str = "uq_messages_tenant_id_external_id";
    /// `tags (tenant_id, name_key)`: names ignoring case.
    pub const TAG_NAME: &str = "uq_tags_tenant_id_name_key";
    /// `contacts (tenant_id, lower(email))`.
    pub const CONTACT_EMAIL: &str = "uq_contacts_tenant_id_lower_email";
    /// `custom_attribute_definitions (tenant_id, identifier)`.
    pub const ATTRIBUTE_IDENTIFIER: &str = "uq_custom_attribute_definitions_tenant_id_identifier";
    /// `flows (tenant_id, name)`.
    pub const FLOW_NAME: &str = "uq_flows_tenant_id_name";
    /// `voice_sessions (tenant_id, connection_code)`.
    pub const CONNECTION_CODE: &str = "uq_voice_sessions_tenant_id_connection_code";
    /// `assistant_runs (tenant_id, conversation_id) WHERE status = 'RUNNING'`: one
    /// run at a time per conversation.
    pub const ONE_RUNNING_RUN: &str = "uq_assistant_runs_tenant_id_conversation_id_running";

    /// The indexes on plain columns, as SQLite names them in its error message
    /// (`UNIQUE constraint failed: <table>.<column>, ...`); an index on an expression
    /// it names by name (`UNIQUE constraint failed: index '<name>'`).
    pub const COLUMNS: &[(&str, &str)] = &[
        (
            CONVERSATION_EXTERNAL_ID,
            "conversations.tenant_id, conversations.external_id",
        ),
        (TICKET_EXTERNAL_ID, "tickets.tenant_id, tickets.external_id"),
        (
            MESSAGE_EXTERNAL_ID,
            "messages.tenant_id, messages.external_id",
        ),
        (TAG_NAME, "tags.tenant_id, tags.name_key"),
        (
            ATTRIBUTE_IDENTIFIER,
            "custom_attribute_definitions.tenant_id, custom_attribute_definitions.identifier",
        ),
        (FLOW_NAME, "flows.tenant_id, flows.name"),
        (
            CONNECTION_CODE,
            "voice_sessions.tenant_id, voice_sessions.connection_code",
        ),
    ];

    /// The unique index a violation's message names, from SQLite's wording (PostgreSQL
    /// reports the name itself, as the error's constraint).
    pub fn named_by_sqlite(message: &str) -> Option<&'static str> {
        let failed = message.strip_prefix("UNIQUE constraint failed: ")?;
        if let Some(name) = failed
            .strip_prefix("index '")
            .and_then(|rest| rest.strip_suffix('\''))
        {
            return [CONTACT_EMAIL].into_iter().find(|known| *known == name);
        }
        COLUMNS
            .iter()
            .find(|(_, columns)| *columns == failed)
            .map(|(name, _)| *name)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn sqlite_messages_name_the_index() {
            let failed = |what: &str| named_by_sqlite(&format!("UNIQUE constraint failed: {what}"));
            assert_eq!(
                failed("messages.tenant_id, messages.external_id"),
                Some(MESSAGE_EXTERNAL_ID)
            );
            assert_eq!(
                failed("index 'uq_contacts_tenant_id_lower_email'"),
                Some(CONTACT_EMAIL)
            );
            assert_eq!(
                failed("idempotency_keys.tenant_id, idempotency_keys.key"),
                None
            );
            assert_eq!(
                named_by_sqlite("NOT NULL constraint failed: tags.name"),
                None
            );
        }
    }
}

/// `table.column` references `to.id`; deleting the row deletes what references it.
pub(crate) fn cascade(
    table: &'static str,
    column: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// Every migration of the schema, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_schema::Migration),
            Box::new(m20261121_000002_writes::Migration),
            Box::new(m20261121_000003_search::Migration),
            Box::new(m20261121_000004_activity_notify::Migration),
            Box::new(m20261121_000010_search_by_tenant::Migration),
            Box::new(m20261203_000020_unique_message_ids_contact_emails::Migration),
            Box::new(m20261203_000021_ratings_by_time::Migration),
            Box::new(m20261203_000022_message_language_confidence::Migration),
            Box::new(m20261203_000023_seed_parity::Migration),
            Box::new(m20261203_000024_merge_snooze_voice::Migration),
            Box::new(m20261204_000025_assistant::Migration),
            Box::new(m20261204_000026_webhooks::Migration),
            Box::new(m20261205_000026_attachments::Migration),
        ]
    }
}
