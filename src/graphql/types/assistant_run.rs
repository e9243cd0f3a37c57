//! `AssistantRun`: one answer the assistant is writing or wrote in a conversation.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::AssistantRunStatus;
use entity::{assistant_run, conversation, message};

use super::conversation::Conversation;
use super::message::Message;
use super::{at, at_opt, json};
use crate::graphql::{Read, row};
use crate::ids::NodeKind;

pub struct AssistantRun(pub assistant_run::Model);

/// One answer of the assistant in a conversation: the question it answers, what it
/// has written so far, and how it ended.
#[Object(guard = "Read::Conversations")]
impl AssistantRun {
    /// The run's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::AssistantRun.id(self.0.id)
    }

    /// The conversation it answers in.
    async fn conversation(&self, ctx: &Context<'_>) -> Result<Option<Conversation>> {
        let found = row::<conversation::Entity>(ctx, Some(self.0.conversation_id)).await?;
        Ok(found.map(Conversation))
    }

    /// RUNNING while it writes, then COMPLETED, CANCELLED or FAILED.
    async fn status(&self) -> AssistantRunStatus {
        self.0.status
    }

    /// The question it answers.
    async fn content(&self) -> &str {
        &self.0.content
    }

    /// The question as a message of the conversation (role USER).
    async fn question(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let found = row::<message::Entity>(ctx, self.0.prompt_message_id).await?;
        Ok(found.map(Message))
    }

    /// The answer as a message of the conversation (role ASSISTANT, its `metadata`
    /// holding the provider, sources, token usage and latency), once the run ended
    /// having written something.
    async fn answer(&self, ctx: &Context<'_>) -> Result<Option<Message>> {
        let found = row::<message::Entity>(ctx, self.0.reply_message_id).await?;
        Ok(found.map(Message))
    }

    /// What it has written: the whole answer once ended, the part written before it
    /// was stopped when CANCELLED. While RUNNING, as of its last heartbeat (the
    /// `assistantRunEvents` subscription streams every chunk).
    async fn text(&self) -> &str {
        &self.0.partial_text
    }

    /// How sure the provider was of the answer, 0 to 1.
    async fn confidence(&self) -> Option<f64> {
        self.0.confidence
    }

    /// Why a human should answer instead, when the provider did not know.
    async fn escalation_reason(&self) -> Option<&str> {
        self.0.escalation_reason.as_deref()
    }

    /// Why it FAILED.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// The provider that answers (`retrieval` for the built-in one).
    async fn provider(&self) -> &str {
        &self.0.provider
    }

    /// The client's session id, as given.
    async fn session_id(&self) -> Option<&str> {
        self.0.session_id.as_deref()
    }

    /// The client's trace id, as given.
    async fn trace_id(&self) -> Option<&str> {
        self.0.trace_id.as_deref()
    }

    /// The client's agent mode, as given.
    async fn agent_mode(&self) -> Option<&str> {
        self.0.agent_mode.as_deref()
    }

    /// The tools the client offered for this run, as given (JSON).
    async fn contextual_tools(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.contextual_tools.as_deref())
    }

    /// What the client's screen showed, as given (JSON).
    async fn ui_context(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.ui_context.as_deref())
    }

    /// The state the client resumed from, as given (JSON).
    async fn resume_payload(&self) -> Option<Json<serde_json::Value>> {
        json(self.0.resume_payload.as_deref())
    }

    /// Whether the client marked it a sandbox run.
    async fn is_sandbox(&self) -> bool {
        self.0.is_sandbox
    }

    /// Tokens the provider's model read for this run (0 for the built-in provider).
    async fn prompt_tokens(&self) -> i64 {
        self.0.prompt_tokens
    }

    /// Tokens the provider's model wrote for this run (0 for the built-in provider).
    async fn completion_tokens(&self) -> i64 {
        self.0.completion_tokens
    }

    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        at(self.0.started_at)
    }

    /// When `cancelAssistantRun` asked it to stop.
    async fn cancel_requested_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.cancel_requested_at)
    }

    /// When it ended.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.finished_at)
    }
}

pub struct AssistantRunEvent(pub crate::assistant::runs::RunEvent);

/// One step of a run, as `assistantRunEvents` delivers it.
#[Object]
impl AssistantRunEvent {
    /// What happened.
    #[graphql(name = "type")]
    async fn kind(&self) -> crate::assistant::runs::RunEventType {
        self.0.kind
    }

    /// The run as it stands after the step (`text` holds everything written so far).
    async fn run(&self) -> AssistantRun {
        AssistantRun((*self.0.run).clone())
    }

    /// What this CHUNK added to the answer.
    async fn delta(&self) -> Option<&str> {
        self.0.delta.as_deref()
    }
}
