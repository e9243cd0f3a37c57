//! Schema migrations of Parley, identical on SQLite and PostgreSQL.
//!
//! Run them with `Migrator::up(&db, None)`.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_schema;
mod m20261121_000002_writes;
mod m20261121_000003_search;
mod m20261121_000004_activity_notify;
mod m20261121_000010_search_by_tenant;

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
        ]
    }
}
