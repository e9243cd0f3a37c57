//! Uniqueness the database enforces instead of a check in code: a message's external
//! id within its tenant (as the API documents it, which makes it unique within its
//! conversation too) and a contact's email within its tenant, ignoring case (the key
//! `importConversation`'s `requesterEmail` finds or adds a contact by). A check in
//! code cannot see a concurrent transaction's uncommitted row, so two concurrent
//! writes both passed it and stored duplicates; a unique index makes the second wait
//! for the first and then fail (or, with `ON CONFLICT`, find the first's row).
//!
//! Existing duplicates are resolved first, keeping the oldest row (lowest id) as the
//! holder of the value, because it is the one lookups already returned (the email
//! lookup orders by id). The newer rows keep their content, ids and every reference
//! to them, and lose only the duplicated value, set to NULL: a message's external id
//! or a contact's email. NULL rather than a suffixed value because a suffix could
//! collide with a real value and would be a made-up id or an address that bounces;
//! and no references are re-pointed, because two rows sharing a value are not known
//! to be the same thing (a shared mailbox, a message id two systems both used), so
//! merging them could attribute one customer's conversations to another.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::unique;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&keep_oldest("messages", "external_id", false))
            .await?;
        db.execute_unprepared(&keep_oldest("contacts", "email", true))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_messages_tenant_id_external_id")
                    .table("messages")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(unique::MESSAGE_EXTERNAL_ID)
                    .table("messages")
                    .col("tenant_id")
                    .col("external_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        // An index on an expression: the same statement on SQLite and PostgreSQL.
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {} ON contacts (tenant_id, lower(email))",
            unique::CONTACT_EMAIL
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(unique::CONTACT_EMAIL)
                    .table("contacts")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(unique::MESSAGE_EXTERNAL_ID)
                    .table("messages")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_tenant_id_external_id")
                    .table("messages")
                    .col("tenant_id")
                    .col("external_id")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// Sets `column` to NULL on every row of `table` whose value (lowercased with
/// `ignore_case`) an older row of the same tenant has. One grouped pass, so a large
/// table is not scanned once per row.
fn keep_oldest(table: &str, column: &str, ignore_case: bool) -> String {
    let key = |alias: &str| {
        if ignore_case {
            format!("lower({alias}.{column})")
        } else {
            format!("{alias}.{column}")
        }
    };
    let (all, newer) = (key("t"), key("newer"));
    format!(
        "UPDATE {table} SET {column} = NULL WHERE id IN (\
           SELECT newer.id FROM {table} newer JOIN (\
             SELECT t.tenant_id, {all} AS k, MIN(t.id) AS oldest FROM {table} t \
             WHERE t.{column} IS NOT NULL GROUP BY t.tenant_id, {all} HAVING COUNT(*) > 1\
           ) dup ON newer.tenant_id = dup.tenant_id AND {newer} = dup.k \
           AND newer.id <> dup.oldest\
         )"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_found_by_the_indexed_key() {
        let sql = keep_oldest("contacts", "email", true);
        assert!(
            sql.contains("GROUP BY t.tenant_id, lower(t.email)"),
            "{sql}"
        );
        assert!(sql.contains("lower(newer.email) = dup.k"), "{sql}");
        let sql = keep_oldest("messages", "external_id", false);
        assert!(sql.contains("newer.external_id = dup.k"), "{sql}");
    }
}
