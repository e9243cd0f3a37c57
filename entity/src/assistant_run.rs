//! `assistant_runs`: one answer the assistant is writing or wrote in a conversation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AssistantRunStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "assistant_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub tenant_id: String,
    pub conversation_id: i64,
    pub status: AssistantRunStatus,
    /// The question it answers.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// The question as a message of the conversation.
    pub prompt_message_id: Option<i64>,
    /// The answer as a message of the conversation (role ASSISTANT), once written.
    pub reply_message_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub session_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub trace_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub agent_mode: Option<String>,
    /// JSON given by the client, kept as text.
    #[sea_orm(column_type = "Text", nullable)]
    pub contextual_tools: Option<String>,
    /// JSON given by the client, kept as text.
    #[sea_orm(column_type = "Text", nullable)]
    pub ui_context: Option<String>,
    /// JSON given by the client, kept as text.
    #[sea_orm(column_type = "Text", nullable)]
    pub resume_payload: Option<String>,
    pub is_sandbox: bool,
    /// The provider that answers.
    #[sea_orm(column_type = "Text")]
    pub provider: String,
    /// What it has written so far (the whole answer once it ends).
    #[sea_orm(column_type = "Text")]
    pub partial_text: String,
    pub confidence: Option<f64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub escalation_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// Tokens the provider's model read and wrote (0 for the built-in provider).
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// The agent who asked.
    pub created_by: Option<i64>,
    pub started_at: i64,
    /// Moved while the run works; a RUNNING run whose heartbeat stopped is FAILED.
    pub heartbeat_at: i64,
    /// Set by `cancelAssistantRun`; the replica running it stops and ends it CANCELLED.
    pub cancel_requested_at: Option<i64>,
    pub finished_at: Option<i64>,
}

crate::from_row::from_row!(
    id,
    tenant_id,
    conversation_id,
    status,
    content,
    prompt_message_id,
    reply_message_id,
    session_id,
    trace_id,
    agent_mode,
    contextual_tools,
    ui_context,
    resume_payload,
    is_sandbox,
    provider,
    partial_text,
    confidence,
    escalation_reason,
    error,
    prompt_tokens,
    completion_tokens,
    created_by,
    started_at,
    heartbeat_at,
    cancel_requested_at,
    finished_at
);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
