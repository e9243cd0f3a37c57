//! Per-tenant display numbers (1, 2, 3...) of conversations and tickets.

use entity::tenant_counter;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::db::{Tenanted, scoped};
use crate::error::{Error, Result};

/// The next per-tenant display number of table `E` (counter `name`, column
/// `number`). The UPDATE locks the counter row, so concurrent creates queue for it
/// and never share a number.
pub async fn next<E: Tenanted>(
    tx: &DatabaseTransaction,
    tenant: &str,
    name: &str,
    number: E::Column,
) -> Result<i64> {
    let counter = || {
        Condition::all()
            .add(tenant_counter::Column::TenantId.eq(tenant))
            .add(tenant_counter::Column::Name.eq(name))
    };
    let bump = || {
        tenant_counter::Entity::update_many()
            .col_expr(
                tenant_counter::Column::Value,
                Expr::col(tenant_counter::Column::Value).add(1),
            )
            .filter(counter())
    };
    if bump().exec(tx).await?.rows_affected == 0 {
        // No counter yet: start after the highest number in use.
        let highest: Option<Option<i64>> = scoped::<E>(tenant)
            .select_only()
            .column_as(number.max(), "highest")
            .into_tuple()
            .one(tx)
            .await?;
        let row = tenant_counter::ActiveModel {
            tenant_id: Set(tenant.to_owned()),
            name: Set(name.to_owned()),
            value: Set(highest.flatten().unwrap_or(0)),
        };
        tenant_counter::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    tenant_counter::Column::TenantId,
                    tenant_counter::Column::Name,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(tx)
            .await?;
        bump().exec(tx).await?;
    }
    let value: Option<i64> = tenant_counter::Entity::find()
        .filter(counter())
        .select_only()
        .column(tenant_counter::Column::Value)
        .into_tuple()
        .one(tx)
        .await?;
    value.ok_or_else(|| Error::Internal(format!("the {name} counter vanished")))
}
