//! The initial schema: every table of the data model with its keys and indexes.
//!
//! Ids are BIGINT auto-increment keys: sea-query writes `integer PRIMARY KEY AUTOINCREMENT`
//! on SQLite (a rowid alias, so ids are never reused) and `bigserial PRIMARY KEY` on
//! PostgreSQL. Timestamps are BIGINT microseconds since the Unix epoch, enums are TEXT.
//! Every secondary index leads with `tenant_id`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, boolean, double, double_null, integer_null, text,
    text_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, indexes) in schema() {
            manager.create_table(table).await?;
            for index in indexes {
                manager.create_index(index).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents; their indexes go with them.
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Every table, parents before children.
const TABLES: [&str; 16] = [
    "tenants",
    "tenant_counters",
    "agents",
    "contacts",
    "queues",
    "conversations",
    "messages",
    "tickets",
    "tags",
    "conversation_tags",
    "ticket_tags",
    "notes",
    "ratings",
    "activities",
    "custom_attribute_definitions",
    "conversation_attribute_values",
];

/// Each table of [`TABLES`] (same order) with its secondary indexes.
fn schema() -> Vec<(TableCreateStatement, Vec<IndexCreateStatement>)> {
    use ForeignKeyAction::{Cascade, SetNull};

    vec![
        (
            Table::create()
                .table("tenants")
                .col(text("id").primary_key())
                .col(text("name"))
                .col(big_integer("created_at"))
                .to_owned(),
            vec![],
        ),
        (
            link_table("tenant_counters")
                .col(text("name"))
                .col(big_integer("value"))
                .primary_key(Index::create().col("tenant_id").col("name"))
                .to_owned(),
            vec![],
        ),
        (
            tenant_table("agents")
                .col(text("name"))
                .col(text("email"))
                .col(text("role"))
                .col(big_integer("created_at"))
                .to_owned(),
            vec![unique("agents", &["tenant_id", "email"])],
        ),
        (
            tenant_table("contacts")
                .col(text_null("external_id"))
                .col(text_null("email"))
                .col(text_null("first_name"))
                .col(text_null("last_name"))
                .col(text_null("organization_name"))
                .col(text_null("organization_domain"))
                .col(text_null("avatar_url"))
                .col(big_integer_null("anonymized_at"))
                .col(big_integer("created_at"))
                .to_owned(),
            vec![unique("contacts", &["tenant_id", "external_id"])],
        ),
        (
            tenant_table("queues")
                .col(text("name"))
                .col(big_integer("created_at"))
                .to_owned(),
            vec![unique("queues", &["tenant_id", "name"])],
        ),
        (
            tenant_table("conversations")
                .col(big_integer("number"))
                .col(text_null("external_id"))
                .col(text("channel"))
                .col(text("direction"))
                .col(text("state"))
                .col(text_null("subject"))
                .col(text_null("language"))
                .col(big_integer_null("requester_id"))
                .col(big_integer_null("assignee_id"))
                .col(big_integer_null("assigned_at"))
                .col(big_integer_null("queue_id"))
                .col(big_integer_null("queued_at"))
                .col(big_integer_null("parent_id"))
                // Denormalized pointer to the newest message: no foreign key, or a
                // conversation and its messages would reference each other.
                .col(big_integer_null("last_message_id"))
                .col(text_null("sentiment_trend"))
                .col(big_integer("version").default(1))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .col(big_integer("state_updated_at"))
                .col(big_integer_null("closed_at"))
                .col(big_integer_null("anonymized_at"))
                .foreign_key(&mut fk(
                    "conversations",
                    "requester_id",
                    "contacts",
                    SetNull,
                ))
                .foreign_key(&mut fk("conversations", "assignee_id", "agents", SetNull))
                .foreign_key(&mut fk("conversations", "queue_id", "queues", SetNull))
                .foreign_key(&mut fk(
                    "conversations",
                    "parent_id",
                    "conversations",
                    SetNull,
                ))
                .to_owned(),
            vec![
                unique("conversations", &["tenant_id", "number"]),
                unique("conversations", &["tenant_id", "external_id"]),
                index("conversations", &["tenant_id", "updated_at", "id"]),
                index("conversations", &["tenant_id", "created_at", "id"]),
                index("conversations", &["tenant_id", "state", "updated_at", "id"]),
                index(
                    "conversations",
                    &["tenant_id", "assignee_id", "updated_at", "id"],
                ),
                index("conversations", &["tenant_id", "queue_id"]),
                index("conversations", &["tenant_id", "requester_id"]),
                index("conversations", &["tenant_id", "parent_id"]),
            ],
        ),
        (
            tenant_table("messages")
                .col(big_integer("conversation_id"))
                .col(text("direction"))
                .col(text("role"))
                .col(big_integer_null("author_agent_id"))
                .col(big_integer_null("author_contact_id"))
                .col(text("text"))
                .col(text_null("html"))
                .col(text_null("external_id"))
                .col(text_null("language"))
                .col(text("modality"))
                .col(double_null("sentiment"))
                .col(big_integer("created_at"))
                .col(big_integer_null("anonymized_at"))
                .foreign_key(&mut fk(
                    "messages",
                    "conversation_id",
                    "conversations",
                    Cascade,
                ))
                .foreign_key(&mut fk("messages", "author_agent_id", "agents", SetNull))
                .foreign_key(&mut fk(
                    "messages",
                    "author_contact_id",
                    "contacts",
                    SetNull,
                ))
                .to_owned(),
            vec![
                index(
                    "messages",
                    &["tenant_id", "conversation_id", "created_at", "id"],
                ),
                index("messages", &["tenant_id", "external_id"]),
            ],
        ),
        (
            tenant_table("tickets")
                .col(big_integer("number"))
                .col(text_null("external_id"))
                .col(big_integer_null("conversation_id"))
                .col(text_null("source"))
                .col(text_null("sender"))
                .col(text("original_text"))
                .col(text_null("original_html"))
                .col(text_null("cleanest_body"))
                .col(text("status"))
                .col(text("priority"))
                .col(big_integer_null("sla_due_at"))
                .col(boolean("ai_resolved").default(false))
                .col(text_null("escalation_reason"))
                .col(boolean("unread").default(true))
                .col(big_integer("created_at"))
                .col(big_integer("updated_at"))
                .foreign_key(&mut fk(
                    "tickets",
                    "conversation_id",
                    "conversations",
                    SetNull,
                ))
                .to_owned(),
            vec![
                unique("tickets", &["tenant_id", "number"]),
                unique("tickets", &["tenant_id", "external_id"]),
                index(
                    "tickets",
                    &["tenant_id", "conversation_id", "created_at", "id"],
                ),
                index("tickets", &["tenant_id", "created_at", "id"]),
                index("tickets", &["tenant_id", "unread"]),
            ],
        ),
        (
            tenant_table("tags")
                .col(text("name"))
                .col(text("name_key"))
                .col(text("state"))
                .col(boolean("relevant").default(true))
                .col(double("score").default(0.0))
                .col(big_integer("tickets_count").default(0))
                .col(big_integer("conversations_count").default(0))
                .col(big_integer("created_at"))
                .to_owned(),
            vec![
                unique("tags", &["tenant_id", "name_key"]),
                index("tags", &["tenant_id", "relevant"]),
            ],
        ),
        (
            link_table("conversation_tags")
                .col(big_integer("conversation_id"))
                .col(big_integer("tag_id"))
                .col(big_integer("created_at"))
                .primary_key(Index::create().col("conversation_id").col("tag_id"))
                .foreign_key(&mut fk(
                    "conversation_tags",
                    "conversation_id",
                    "conversations",
                    Cascade,
                ))
                .foreign_key(&mut fk("conversation_tags", "tag_id", "tags", Cascade))
                .to_owned(),
            vec![
                index(
                    "conversation_tags",
                    &["tenant_id", "tag_id", "conversation_id"],
                ),
                index(
                    "conversation_tags",
                    &["tenant_id", "conversation_id", "created_at"],
                ),
            ],
        ),
        (
            link_table("ticket_tags")
                .col(big_integer("ticket_id"))
                .col(big_integer("tag_id"))
                .col(double("salience"))
                .col(double("sentiment"))
                .col(big_integer("created_at"))
                .primary_key(Index::create().col("ticket_id").col("tag_id"))
                .foreign_key(&mut fk("ticket_tags", "ticket_id", "tickets", Cascade))
                .foreign_key(&mut fk("ticket_tags", "tag_id", "tags", Cascade))
                .to_owned(),
            vec![
                index("ticket_tags", &["tenant_id", "tag_id", "ticket_id"]),
                index("ticket_tags", &["tenant_id", "ticket_id"]),
            ],
        ),
        (
            tenant_table("notes")
                .col(big_integer("conversation_id"))
                .col(big_integer_null("author_id"))
                .col(text("body"))
                .col(big_integer("created_at"))
                .col(big_integer_null("anonymized_at"))
                .foreign_key(&mut fk(
                    "notes",
                    "conversation_id",
                    "conversations",
                    Cascade,
                ))
                .foreign_key(&mut fk("notes", "author_id", "agents", SetNull))
                .to_owned(),
            vec![index(
                "notes",
                &["tenant_id", "conversation_id", "created_at", "id"],
            )],
        ),
        (
            tenant_table("ratings")
                .col(big_integer("conversation_id"))
                .col(text("rating_type"))
                .col(text("status"))
                .col(integer_null("score"))
                .col(text_null("comment"))
                .col(big_integer_null("agent_id"))
                .col(big_integer_null("contact_id"))
                .col(text_null("language"))
                .col(big_integer("offered_at"))
                .col(big_integer_null("submitted_at"))
                .foreign_key(&mut fk(
                    "ratings",
                    "conversation_id",
                    "conversations",
                    Cascade,
                ))
                .foreign_key(&mut fk("ratings", "agent_id", "agents", SetNull))
                .foreign_key(&mut fk("ratings", "contact_id", "contacts", SetNull))
                .to_owned(),
            vec![index(
                "ratings",
                &["tenant_id", "conversation_id", "offered_at", "id"],
            )],
        ),
        (
            tenant_table("activities")
                .col(big_integer_null("conversation_id"))
                .col(text("kind"))
                .col(big_integer_null("actor_id"))
                .col(big_integer("occurred_at"))
                .col(big_integer_null("agent_id"))
                .col(big_integer_null("from_queue_id"))
                .col(big_integer_null("to_queue_id"))
                .col(big_integer_null("tag_id"))
                .col(big_integer_null("message_id"))
                .col(big_integer_null("note_id"))
                .col(big_integer_null("rating_id"))
                .col(big_integer_null("ticket_id"))
                .foreign_key(&mut fk(
                    "activities",
                    "conversation_id",
                    "conversations",
                    Cascade,
                ))
                .foreign_key(&mut fk("activities", "actor_id", "agents", SetNull))
                .foreign_key(&mut fk("activities", "agent_id", "agents", SetNull))
                .foreign_key(&mut fk("activities", "from_queue_id", "queues", SetNull))
                .foreign_key(&mut fk("activities", "to_queue_id", "queues", SetNull))
                .foreign_key(&mut fk("activities", "tag_id", "tags", SetNull))
                .foreign_key(&mut fk("activities", "message_id", "messages", SetNull))
                .foreign_key(&mut fk("activities", "note_id", "notes", SetNull))
                .foreign_key(&mut fk("activities", "rating_id", "ratings", SetNull))
                .foreign_key(&mut fk("activities", "ticket_id", "tickets", SetNull))
                .to_owned(),
            vec![
                index("activities", &["tenant_id", "occurred_at", "id"]),
                index(
                    "activities",
                    &["tenant_id", "conversation_id", "occurred_at", "id"],
                ),
            ],
        ),
        (
            tenant_table("custom_attribute_definitions")
                .col(text("identifier"))
                .col(text("name"))
                .col(text("kind"))
                .col(text("options").default("[]"))
                .col(big_integer("created_at"))
                .to_owned(),
            vec![unique(
                "custom_attribute_definitions",
                &["tenant_id", "identifier"],
            )],
        ),
        (
            link_table("conversation_attribute_values")
                .col(big_integer("conversation_id"))
                .col(big_integer("definition_id"))
                .col(text_null("text"))
                .col(text("values").default("[]"))
                .col(big_integer("updated_at"))
                .primary_key(Index::create().col("conversation_id").col("definition_id"))
                .foreign_key(&mut fk(
                    "conversation_attribute_values",
                    "conversation_id",
                    "conversations",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "conversation_attribute_values",
                    "definition_id",
                    "custom_attribute_definitions",
                    Cascade,
                ))
                .to_owned(),
            vec![index(
                "conversation_attribute_values",
                &["tenant_id", "conversation_id"],
            )],
        ),
    ]
}

/// A table whose rows have their own `id` and belong to a tenant.
fn tenant_table(name: &'static str) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(name).col(big_pk_auto("id"));
    with_tenant(table, name)
}

/// A table whose rows belong to a tenant and are keyed by what they link.
fn link_table(name: &'static str) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(name);
    with_tenant(table, name)
}

fn with_tenant(mut table: TableCreateStatement, name: &'static str) -> TableCreateStatement {
    table.col(text("tenant_id")).foreign_key(&mut fk(
        name,
        "tenant_id",
        "tenants",
        ForeignKeyAction::Cascade,
    ));
    table
}

/// `table.column` references `parent.id`.
fn fk(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(parent, "id")
        .on_delete(on_delete)
        .to_owned()
}

fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    index_named(format!("idx_{table}_{}", columns.join("_")), table, columns)
}

fn unique(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    index_named(format!("uq_{table}_{}", columns.join("_")), table, columns)
        .unique()
        .to_owned()
}

fn index_named(
    name: String,
    table: &'static str,
    columns: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_lists_every_table_in_order() {
        let names: Vec<String> = schema()
            .iter()
            .map(|(table, _)| table.to_string(PostgresQueryBuilder))
            .collect();
        for (sql, name) in names.iter().zip(TABLES) {
            assert!(
                sql.starts_with(&format!(r#"CREATE TABLE "{name}" ("#)),
                "{sql}"
            );
        }
        assert_eq!(names.len(), TABLES.len());
    }

    /// SQLite only auto-assigns ids to a column declared exactly `INTEGER PRIMARY KEY`.
    #[test]
    fn ids_are_generated_on_both_backends() {
        // Every table but tenants (TEXT slugs) and the link tables has a BIGINT id.
        let mut generated = 0;
        for (table, _) in schema() {
            let sqlite = table.to_string(SqliteQueryBuilder);
            let postgres = table.to_string(PostgresQueryBuilder);
            if sqlite.contains(r#""id" integer"#) {
                assert!(
                    sqlite.contains(r#""id" integer NOT NULL PRIMARY KEY AUTOINCREMENT"#),
                    "{sqlite}"
                );
                assert!(
                    postgres.contains(
                        r#""id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY"#
                    ),
                    "{postgres}"
                );
                generated += 1;
            }
        }
        assert_eq!(generated, 11);
    }

    #[test]
    fn indexes_lead_with_tenant_and_fit_postgres_names() {
        for (_, indexes) in schema() {
            for index in indexes {
                let sql = index.to_string(PostgresQueryBuilder);
                assert!(sql.contains(r#"" ("tenant_id", "#), "{sql}");
                let name = index.get_index_spec().get_name().unwrap_or_default();
                assert!(!name.is_empty() && name.len() <= 63, "{name}");
            }
        }
    }
}
