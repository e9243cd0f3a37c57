//! `updateVoiceSession`: a call moves on.

use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use entity::enums::VoiceSessionStatus;

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::voice_session::VoiceSession;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::voice::{SessionChanges, update};

/// Input of `updateVoiceSession`.
#[derive(InputObject)]
pub struct UpdateVoiceSessionInput {
    /// The conversation whose session changes.
    pub conversation_id: ID,
    /// The new status: PENDING → IN_PROGRESS → COMPLETED, FAILED or ABANDONED (also
    /// straight from PENDING) → ARCHIVED.
    pub status: Option<VoiceSessionStatus>,
    /// New properties, replacing the old (a JSON object, at most 16 KB).
    pub session_properties: Option<Json<serde_json::Value>>,
    /// Steps to append to the path (at most 100 at a time, 1000 in all).
    #[graphql(default)]
    pub append_path: Vec<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `updateVoiceSession`.
#[derive(SimpleObject)]
pub struct UpdateVoiceSessionPayload {
    /// The session as it is now (null when refused).
    pub voice_session: Option<VoiceSession>,
    /// Why the change was refused, if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UpdateVoiceSessionMutation;

#[Object]
impl UpdateVoiceSessionMutation {
    /// Moves a voice session along its lifecycle (`startedAt` and `endedAt` follow),
    /// replaces its properties and appends to its path. A move the lifecycle does not
    /// have is INVALID_STATE; a conversation without a session is NOT_FOUND.
    async fn update_voice_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session and what to change.")] input: UpdateVoiceSessionInput,
    ) -> Result<UpdateVoiceSessionPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let changes = SessionChanges {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            status: input.status,
            session_properties: input.session_properties.map(|p| p.0),
            append_path: input.append_path,
        };
        let (session, user_errors) = settle(update(writer(ctx)?, viewer, changes).await)?;
        Ok(UpdateVoiceSessionPayload {
            voice_session: session.map(VoiceSession),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
