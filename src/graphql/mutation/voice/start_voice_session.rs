//! `startVoiceSession`: the call behind a PHONE conversation begins.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::voice_session::VoiceSession;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::voice::{NewSession, start};

/// Input of `startVoiceSession`.
#[derive(InputObject)]
pub struct StartVoiceSessionInput {
    /// The PHONE conversation the call belongs to.
    pub conversation_id: ID,
    /// The code a caller joins with, unique within the tenant (default: 8 random
    /// letters and digits).
    pub connection_code: Option<String>,
    /// The session's properties, a JSON object (at most 16 KB).
    pub session_properties: Option<Json<serde_json::Value>>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `startVoiceSession`.
#[derive(SimpleObject)]
pub struct StartVoiceSessionPayload {
    /// The new session, PENDING (null when refused).
    pub voice_session: Option<VoiceSession>,
    /// Why it was not started, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct StartVoiceSessionMutation;

#[Object]
impl StartVoiceSessionMutation {
    /// Starts the voice session of a PHONE conversation, PENDING until the caller
    /// connects. Another channel is INVALID_VALUE, a second session INVALID_STATE, a
    /// connection code in use DUPLICATE_NAME.
    async fn start_voice_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and the session.")] input: StartVoiceSessionInput,
    ) -> Result<StartVoiceSessionPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let new = NewSession {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            connection_code: input.connection_code,
            session_properties: input.session_properties.map(|p| p.0),
        };
        let (session, user_errors) = settle(start(writer(ctx)?, viewer, new).await)?;
        Ok(StartVoiceSessionPayload {
            voice_session: session.map(VoiceSession),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
