//! `idempotency_keys`: the first result of a create mutation, by the client's key.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub tenant_id: String,
    /// The client's key, unique per tenant.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub key: String,
    /// The mutation that used the key.
    #[sea_orm(column_type = "Text")]
    pub operation: String,
    /// SHA-256 of the mutation's input, so a reused key with other input is told apart.
    #[sea_orm(column_type = "Text")]
    pub fingerprint: String,
    /// What the first run returned (JSON), enough to answer a retry.
    #[sea_orm(column_type = "Text")]
    pub result: String,
    pub created_at: i64,
}

crate::from_row::from_row!(tenant_id, key, operation, fingerprint, result, created_at);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
