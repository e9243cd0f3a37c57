//! `cancelAssistantRun`: stop a run now.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::assistant;
use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::assistant_run::AssistantRun;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::assistant::{find_run, request_cancel};

/// Input of `cancelAssistantRun`.
#[derive(InputObject)]
pub struct CancelAssistantRunInput {
    /// The RUNNING run to stop.
    pub run_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `cancelAssistantRun`.
#[derive(SimpleObject)]
pub struct CancelAssistantRunPayload {
    /// The run: CANCELLED with what it had written, or still RUNNING for a moment
    /// when another replica writes it (it stops at its next heartbeat, within a
    /// second).
    pub run: Option<AssistantRun>,
    /// Why it was not stopped (INVALID_STATE: it had ended).
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct CancelAssistantRunMutation;

#[Object]
impl CancelAssistantRunMutation {
    /// Stops a run now: it writes no more, what it wrote is kept as its answer
    /// (marked cancelled in the message's metadata), and the next queued message
    /// starts the next run. Needs `conversation:write`.
    async fn cancel_assistant_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run to stop.")] input: CancelAssistantRunInput,
    ) -> Result<CancelAssistantRunPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let id = input_id(&input.run_id, NodeKind::AssistantRun)?;
        let db = writer(ctx)?;
        let (run, user_errors) = settle(request_cancel(db, viewer, id).await)?;
        let run = match run {
            Some(run) => {
                // Stopped here if this replica writes it; the run as it ended.
                assistant(ctx)?.runs.stop(run.id).await;
                Some(AssistantRun(find_run(db, &viewer.tenant, run.id).await?))
            }
            None => None,
        };
        Ok(CancelAssistantRunPayload {
            run,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
