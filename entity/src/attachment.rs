//! `attachments`: a file attached to a message or a note. Its bytes live in the
//! object store under `storage_key`, never derived from the client's file name.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// The message it is attached to (exactly one of `message_id` and `note_id` is set).
    pub message_id: Option<i64>,
    /// The note it is attached to.
    pub note_id: Option<i64>,
    /// The client's file name, sanitized (no path, no control characters).
    #[sea_orm(column_type = "Text")]
    pub file_name: String,
    /// The media type sniffed from the bytes (`application/octet-stream` when unknown).
    #[sea_orm(column_type = "Text")]
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex.
    #[sea_orm(column_type = "Text")]
    pub sha256: String,
    /// Where the bytes are, relative to the store's prefix: `<tenant>/<random>`.
    #[sea_orm(column_type = "Text")]
    pub storage_key: String,
    pub created_at: i64,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    message_id,
    note_id,
    file_name,
    content_type,
    size,
    sha256,
    storage_key,
    created_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenant::Entity",
        from = "Column::TenantId",
        to = "super::tenant::Column::Id",
        on_delete = "Cascade"
    )]
    Tenant,
    #[sea_orm(
        belongs_to = "super::message::Entity",
        from = "Column::MessageId",
        to = "super::message::Column::Id",
        on_delete = "Cascade"
    )]
    Message,
    #[sea_orm(
        belongs_to = "super::note::Entity",
        from = "Column::NoteId",
        to = "super::note::Column::Id",
        on_delete = "Cascade"
    )]
    Note,
}

impl Related<super::tenant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
