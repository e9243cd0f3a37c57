//! `voice_sessions`: the call behind a voice conversation, keyed by that conversation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::VoiceSessionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "voice_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub conversation_id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    /// The code a caller joins the session with; unique within the tenant.
    #[sea_orm(column_type = "Text")]
    pub connection_code: String,
    pub status: VoiceSessionStatus,
    /// A JSON object of the session's properties (caller's choices, variables).
    #[sea_orm(column_type = "Text")]
    pub session_properties: String,
    /// A JSON array of the steps of the flow the call went through, in order.
    #[sea_orm(column_type = "Text")]
    pub path_taken: String,
    /// When it went IN_PROGRESS.
    pub started_at: Option<i64>,
    /// When it ended (COMPLETED, FAILED or ABANDONED).
    pub ended_at: Option<i64>,
    pub updated_at: i64,
}

crate::from_row::from_row!(
    conversation_id,
    tenant_id,
    connection_code,
    status,
    session_properties,
    path_taken,
    started_at,
    ended_at,
    updated_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::conversation::Entity",
        from = "Column::ConversationId",
        to = "super::conversation::Column::Id",
        on_delete = "Cascade"
    )]
    Conversation,
}

impl Related<super::conversation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Conversation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
