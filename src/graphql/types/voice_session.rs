//! `VoiceSession`: the call behind a voice conversation.

use async_graphql::{Json, Object};
use chrono::{DateTime, Utc};
use entity::enums::VoiceSessionStatus;
use entity::voice_session;

use super::custom_attribute::string_list;
use super::{at, at_opt, json};
use crate::graphql::Read;

pub struct VoiceSession(pub voice_session::Model);

/// A voice agent's call with a customer: how to join it, where it is, and the path
/// it took through the flow. The transcript is the conversation's messages (VOICE
/// modality), its turn count their `totalCount`.
#[Object(guard = "Read::Conversations")]
impl VoiceSession {
    /// The code a caller joins the session with; unique within the tenant.
    async fn connection_code(&self) -> &str {
        &self.0.connection_code
    }

    /// Where the session is.
    async fn status(&self) -> VoiceSessionStatus {
        self.0.status
    }

    /// The session's properties: a JSON object (caller's choices, variables).
    async fn session_properties(&self) -> Option<Json<serde_json::Value>> {
        json(Some(&self.0.session_properties))
    }

    /// The steps of the flow the call went through, in order.
    async fn path_taken(&self) -> Vec<String> {
        string_list(&self.0.path_taken)
    }

    /// When the caller connected (it went IN_PROGRESS).
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.started_at)
    }

    /// When it ended: COMPLETED, FAILED or ABANDONED.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        at_opt(self.0.ended_at)
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        at(self.0.updated_at)
    }
}
