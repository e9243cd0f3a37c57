//! Voice sessions: the call behind a PHONE conversation, as the voice-agent API
//! reports it. A session starts PENDING with a connection code (unique in the
//! tenant: the unique index decides), moves IN_PROGRESS when the caller connects,
//! ends COMPLETED, FAILED or ABANDONED, and may then be ARCHIVED; the path the call
//! took through the flow grows step by step. Writes hold the conversation's row lock,
//! so concurrent updates of one session apply one after the other.

use entity::enums::{Channel, VoiceSessionStatus as Status};
use entity::voice_session;
use rand::Rng;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use super::rules::{MAX_NAME, find_in, invalid, lock_conversation, valid_json_object};
use super::{begin, now};
use crate::auth::Viewer;
use crate::error::{Result, UserError, UserErrorCode};

/// Most steps a session's path may hold.
pub const MAX_PATH: usize = 1000;
/// Most steps one update appends.
pub const MAX_STEPS: usize = 100;
/// Length of a generated connection code.
const CODE_LENGTH: usize = 8;
/// Letters of generated codes: no 0/O or 1/I to misread over the phone.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// What `start` is asked to make.
pub struct NewSession {
    pub conversation_id: i64,
    /// Default: a random code of 8 letters and digits.
    pub connection_code: Option<String>,
    pub session_properties: Option<serde_json::Value>,
}

/// What `update` is asked to change; `None` leaves it alone.
pub struct SessionChanges {
    pub conversation_id: i64,
    pub status: Option<Status>,
    /// Replaces the properties.
    pub session_properties: Option<serde_json::Value>,
    /// Steps appended to the path, in order.
    pub append_path: Vec<String>,
}

fn random_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LENGTH)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// Starts the voice session of a PHONE conversation (INVALID_VALUE for another
/// channel, INVALID_STATE when it has one). A code another session of the tenant
/// has is DUPLICATE_NAME.
pub async fn start(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewSession,
) -> Result<voice_session::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = lock_conversation(&tx, tenant, input.conversation_id).await?;
    if conv.channel != Channel::Phone {
        return Err(invalid(
            &["conversationId"],
            "only a PHONE conversation has a voice session",
        ));
    }
    if voice_session::Entity::find_by_id(conv.id)
        .one(&tx)
        .await?
        .is_some()
    {
        return Err(UserError::new(
            UserErrorCode::InvalidState,
            &["conversationId"],
            "the conversation has a voice session already",
        )
        .into());
    }
    let code = match input.connection_code.as_deref().map(str::trim) {
        Some(code) if code.is_empty() || code.chars().count() > MAX_NAME => {
            return Err(invalid(
                &["connectionCode"],
                format!("a connection code is 1 to {MAX_NAME} characters"),
            ));
        }
        Some(code) => code.to_owned(),
        None => random_code(),
    };
    let properties = valid_json_object(input.session_properties.as_ref(), "sessionProperties")?;
    let session = voice_session::ActiveModel {
        conversation_id: Set(conv.id),
        tenant_id: Set(tenant.to_owned()),
        connection_code: Set(code),
        status: Set(Status::Pending),
        session_properties: Set(properties.unwrap_or_else(|| "{}".to_owned())),
        path_taken: Set("[]".to_owned()),
        started_at: Set(None),
        ended_at: Set(None),
        updated_at: Set(now()),
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// Whether a session may go from `from` to `to`.
fn may_move(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (Pending, InProgress | Failed | Abandoned)
            | (InProgress, Completed | Failed | Abandoned)
            | (Completed | Failed | Abandoned, Archived)
    )
}

/// Moves a session's status (INVALID_STATE for a move the lifecycle does not
/// have), replaces its properties, appends steps to its path.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: SessionChanges,
) -> Result<voice_session::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = lock_conversation(&tx, tenant, input.conversation_id).await?;
    let current = find_in::<voice_session::Entity>(&tx, tenant, conv.id, "voice session").await?;
    let at = now();
    let mut row = <voice_session::ActiveModel as Default>::default();
    if let Some(to) = input.status.filter(|s| *s != current.status) {
        if !may_move(current.status, to) {
            return Err(UserError::new(
                UserErrorCode::InvalidState,
                &["status"],
                format!("a {:?} session cannot become {to:?}", current.status),
            )
            .into());
        }
        row.status = Set(to);
        if to == Status::InProgress {
            row.started_at = Set(Some(at));
        }
        if matches!(to, Status::Completed | Status::Failed | Status::Abandoned) {
            row.ended_at = Set(Some(at));
        }
    }
    if let Some(properties) = input.session_properties {
        let properties = valid_json_object(Some(&properties), "sessionProperties")?;
        row.session_properties = Set(properties.unwrap_or_else(|| "{}".to_owned()));
    }
    if !input.append_path.is_empty() {
        if input.append_path.len() > MAX_STEPS {
            return Err(invalid(
                &["appendPath"],
                format!("at most {MAX_STEPS} steps at a time"),
            ));
        }
        if input
            .append_path
            .iter()
            .any(|s| s.trim().is_empty() || s.chars().count() > MAX_NAME)
        {
            return Err(invalid(
                &["appendPath"],
                format!("a step is 1 to {MAX_NAME} characters"),
            ));
        }
        let mut path: Vec<String> = serde_json::from_str(&current.path_taken).unwrap_or_default();
        if path.len() + input.append_path.len() > MAX_PATH {
            return Err(invalid(
                &["appendPath"],
                format!("a path holds at most {MAX_PATH} steps"),
            ));
        }
        path.extend(input.append_path.iter().map(|s| s.trim().to_owned()));
        row.path_taken = Set(serde_json::to_string(&path).unwrap_or_else(|_| "[]".into()));
    }
    if !row.is_changed() {
        return Ok(current);
    }
    row.conversation_id = Set(current.conversation_id);
    row.updated_at = Set(at);
    let updated = row.update(&tx).await?;
    tx.commit().await?;
    Ok(updated)
}
