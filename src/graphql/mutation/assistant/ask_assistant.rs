//! `askAssistant`: ask the assistant in a conversation.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};

use super::assistant;
use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::assistant_queued_message::AssistantQueuedMessage;
use crate::graphql::types::assistant_run::AssistantRun;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::assistant::{Asked, Policy, RunOptions, ask, valid_json};

/// Input of `askAssistant`.
#[derive(InputObject)]
pub struct AskAssistantInput {
    /// The open conversation to ask in.
    pub conversation_id: ID,
    /// The question (at most 16 KB); it is added to the conversation as the
    /// customer's message when its run starts.
    pub content: String,
    /// The client's session id, kept with the run.
    pub session_id: Option<String>,
    /// The client's trace id, kept with the run.
    pub trace_id: Option<String>,
    /// The client's agent mode, kept with the run.
    pub agent_mode: Option<String>,
    /// Tools the client offers for this run (JSON, at most 16 KB), kept with the run;
    /// never interpolated into anything the provider runs.
    pub contextual_tools: Option<Json<serde_json::Value>>,
    /// What the client's screen shows (JSON, at most 16 KB), kept with the run.
    pub ui_context: Option<Json<serde_json::Value>>,
    /// State the client resumes from (JSON, at most 16 KB), kept with the run.
    pub resume_payload: Option<Json<serde_json::Value>>,
    /// Marks a sandbox run.
    #[graphql(default = false)]
    pub is_sandbox: bool,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `askAssistant`: the run that started, or the queued message when a
/// run was already going.
#[derive(SimpleObject)]
pub struct AskAssistantPayload {
    /// The run answering the question (RUNNING), when it started now.
    pub run: Option<AssistantRun>,
    /// The question in the conversation's queue, when a run was going: it is
    /// answered when the runs before it end.
    pub queued_message: Option<AssistantQueuedMessage>,
    /// Why nothing was asked, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AskAssistantMutation;

#[Object]
impl AskAssistantMutation {
    /// Asks the assistant in an open conversation. With no run going, the question
    /// becomes the customer's message and a run starts answering it: watch it with
    /// the `assistantRunEvents` subscription; its answer becomes an ASSISTANT
    /// message. With a run going (one per conversation, whichever replica started
    /// it), the question waits in the conversation's queue (at most 20; then
    /// LIMIT_EXCEEDED). A tenant starts at most 120 runs a minute (LIMIT_EXCEEDED).
    /// `addMessage` adds a message without asking the assistant. Needs
    /// `conversation:write`.
    async fn ask_assistant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the question.")] input: AskAssistantInput,
    ) -> Result<AskAssistantPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let assistant = assistant(ctx)?;
        let conversation_id = input_id(&input.conversation_id, NodeKind::Conversation)?;
        let json =
            |value: Option<&Json<serde_json::Value>>, field| valid_json(value.map(|v| &v.0), field);
        let options = (|| {
            Ok(RunOptions {
                session_id: input.session_id.clone(),
                trace_id: input.trace_id.clone(),
                agent_mode: input.agent_mode.clone(),
                contextual_tools: json(input.contextual_tools.as_ref(), "contextualTools")?,
                ui_context: json(input.ui_context.as_ref(), "uiContext")?,
                resume_payload: json(input.resume_payload.as_ref(), "resumePayload")?,
                is_sandbox: input.is_sandbox,
            })
        })();
        let outcome = match options {
            Ok(options) => {
                let policy = Policy {
                    provider: assistant.provider.name(),
                    daily_tokens: assistant.daily_tokens,
                };
                ask(
                    writer(ctx)?,
                    viewer,
                    policy,
                    conversation_id,
                    &input.content,
                    options,
                )
                .await
            }
            Err(err) => Err(err),
        };
        let (asked, user_errors) = settle(outcome)?;
        let (run, queued_message) = match asked {
            Some(Asked::Started(run)) => {
                assistant.runs.launch((*run).clone());
                (Some(AssistantRun(*run)), None)
            }
            Some(Asked::Queued(item)) => (None, Some(AssistantQueuedMessage(item))),
            None => (None, None),
        };
        Ok(AskAssistantPayload {
            run,
            queued_message,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
