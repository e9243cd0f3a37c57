//! Nullable columns added to existing tables, one `ALTER TABLE` each: SQLite adds one
//! column per statement.

use sea_orm_migration::prelude::*;

/// Adds each `(table, column)`.
pub async fn add(
    manager: &SchemaManager<'_>,
    columns: Vec<(&'static str, ColumnDef)>,
) -> Result<(), DbErr> {
    for (table, mut column) in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// Drops each `(table, column)`, the last added first.
pub async fn drop(
    manager: &SchemaManager<'_>,
    columns: Vec<(&'static str, ColumnDef)>,
) -> Result<(), DbErr> {
    for (table, column) in columns.into_iter().rev() {
        let name = column.get_column_name();
        manager
            .alter_table(Table::alter().table(table).drop_column(name).to_owned())
            .await?;
    }
    Ok(())
}
