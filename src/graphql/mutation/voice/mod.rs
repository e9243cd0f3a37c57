//! Voice sessions of PHONE conversations (`service::voice`).

mod start_voice_session;
mod update_voice_session;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct VoiceWrites(
    start_voice_session::StartVoiceSessionMutation,
    update_voice_session::UpdateVoiceSessionMutation,
);
