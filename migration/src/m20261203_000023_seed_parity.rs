//! What the source APIs carry and the first schema did not: a conversation's source
//! system and metadata, a message's rating and metadata, a ticket's anonymous
//! traits, and the tenant's telephony flows.
//!
//! JSON values are TEXT holding a JSON object, like the other JSON columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, integer_null, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The new nullable columns.
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        ("conversations", text_null("source")),
        ("conversations", text_null("metadata")),
        ("messages", integer_null("rating")),
        ("messages", text_null("metadata")),
        ("tickets", text_null("anonymous_traits")),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::add(manager, columns()).await?;
        manager
            .create_table(
                Table::create()
                    .table("flows")
                    .col(big_pk_auto("id"))
                    .col(text("tenant_id"))
                    .col(text("name"))
                    .col(text("channel"))
                    .col(text_null("contact_endpoint_id"))
                    .col(big_integer("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_flows_tenant_id")
                            .from("flows", "tenant_id")
                            .to("tenants", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(crate::unique::FLOW_NAME)
                    .table("flows")
                    .col("tenant_id")
                    .col("name")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("flows").to_owned())
            .await?;
        crate::columns::drop(manager, columns()).await
    }
}
