//! The assistant's runs and queues (`service::assistant`, `assistant::runs`).

mod ask_assistant;
mod cancel_assistant_run;
mod clear_assistant_queue;
mod delete_assistant_queued_message;
mod enqueue_assistant_message;
mod update_assistant_queued_message;

use async_graphql::{Context, MergedObject};

use crate::assistant::Assistant;
use crate::error::{Error, Result};

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct AssistantWrites(
    ask_assistant::AskAssistantMutation,
    cancel_assistant_run::CancelAssistantRunMutation,
    enqueue_assistant_message::EnqueueAssistantMessageMutation,
    update_assistant_queued_message::UpdateAssistantQueuedMessageMutation,
    delete_assistant_queued_message::DeleteAssistantQueuedMessageMutation,
    clear_assistant_queue::ClearAssistantQueueMutation,
);

/// The gateway's assistant.
fn assistant<'a>(ctx: &Context<'a>) -> Result<&'a Assistant> {
    ctx.data::<Assistant>()
        .map_err(|_| Error::Internal("no assistant in the schema".into()))
}
