//! Internal notes: one at a time, or in bulk where the good notes are kept and each
//! bad one is reported in its own result (seed 004's BulkActionSuccess/Failure).
//!
//! Notes may be added to a CLOSED conversation. Unlike messages, tags or transfers,
//! a note changes nothing the customer sees and nothing about the conversation's
//! state: agents write follow-ups and wrap-ups on closed conversations all the time.
//! So the closed-conversation rule (reopen first) does not apply to notes, and adding
//! one leaves the conversation's `updatedAt` and version alone.

use async_graphql::EnumType;
use entity::enums::ActivityType;
use entity::{conversation, note};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DatabaseTransaction, NotSet, Set};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::attachments::{NewFile, Staged, stage};
use super::idempotency::{self, Key};
use super::rules::{find_agent, find_conversation, find_in};
use super::{begin, now};
use crate::attachments::{Attachments, Owner};
use crate::auth::Viewer;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// Longest note body, in characters.
pub const MAX_BODY: usize = 10_000;
/// Most notes in one `addNotes`.
pub const MAX_BATCH: usize = 100;
/// How far ahead of the server's clock a client's `createdAt` may be.
const CLOCK_SKEW_MICROS: i64 = 5 * 60 * 1_000_000;

/// A note to add.
#[derive(Debug, Clone, Serialize)]
pub struct NewNote {
    pub body: String,
    /// The author; the viewer when `None`.
    pub author_id: Option<i64>,
    /// When it was written (microseconds), for notes copied from elsewhere; now when `None`.
    pub created_at: Option<i64>,
}

/// A note that passed its checks, ready to insert.
struct ValidNote {
    body: String,
    author_id: i64,
    created_at: i64,
}

/// Checks a note; `at` is the path of its input (`[]` or `["notes", "3"]`).
async fn check(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    note: &NewNote,
    at: &[&str],
) -> Result<ValidNote> {
    let field = |name: &'static str| -> Vec<&str> { at.iter().copied().chain([name]).collect() };
    let body = note.body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &field("body"),
            format!("a note is 1 to {MAX_BODY} characters"),
        )
        .into());
    }
    let clock = now();
    let created_at = note.created_at.unwrap_or(clock);
    if created_at > clock + CLOCK_SKEW_MICROS {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &field("createdAt"),
            "a note cannot be written in the future",
        )
        .into());
    }
    let author_id = match note.author_id {
        Some(id) => find_agent(tx, &viewer.tenant, id).await?.id,
        None => viewer.agent_id,
    };
    Ok(ValidNote {
        body: body.to_owned(),
        author_id,
        created_at,
    })
}

/// Inserts a checked note and its NOTE_ADDED entry.
async fn insert(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    conversation_id: i64,
    note: ValidNote,
) -> Result<note::Model> {
    let added = note::ActiveModel {
        id: NotSet,
        tenant_id: Set(viewer.tenant.to_string()),
        conversation_id: Set(conversation_id),
        author_id: Set(Some(note.author_id)),
        body: Set(note.body),
        created_at: Set(note.created_at),
        anonymized_at: Set(None),
    }
    .insert(tx)
    .await?;
    let detail = Detail {
        note_id: Some(added.id),
        ..Detail::default()
    };
    activity::record(
        tx,
        viewer,
        Some(conversation_id),
        ActivityType::NoteAdded,
        detail,
    )
    .await?;
    Ok(added)
}

async fn find_note(tx: &DatabaseTransaction, tenant: &str, id: i64) -> Result<note::Model> {
    find_in::<note::Entity>(tx, tenant, id, "note").await
}

#[derive(Serialize)]
struct OneNote<'a> {
    conversation_id: i64,
    note: &'a NewNote,
    /// Left out when there are none, so a key used before attachments still matches.
    #[serde(skip_serializing_if = "<[NewFile]>::is_empty")]
    attachments: &'a [NewFile],
}

#[derive(Serialize, Deserialize)]
struct Added {
    note: i64,
}

/// Adds one note with its attached `files` (idempotently when the client sends a
/// key). An unknown author is NOT_FOUND. The files are written to `store` first and
/// deleted again when the note is not written.
pub async fn add(
    db: &DatabaseConnection,
    store: &Attachments,
    viewer: &Viewer,
    conversation_id: i64,
    note: NewNote,
    files: Vec<NewFile>,
    idempotency_key: Option<&str>,
) -> Result<(conversation::Model, note::Model)> {
    let fingerprint = OneNote {
        conversation_id,
        note: &note,
        attachments: &files,
    };
    let key = Key::new(idempotency_key, "addNote", &fingerprint)?;
    let mut staged = stage(store, &viewer.tenant, files).await?;
    let written = write(
        db,
        viewer,
        conversation_id,
        &note,
        &mut staged,
        key.as_ref(),
    )
    .await;
    staged.settle(written.is_ok()).await;
    written
}

/// [`add`]'s transaction, with its files already in the store.
async fn write(
    db: &DatabaseConnection,
    viewer: &Viewer,
    conversation_id: i64,
    note: &NewNote,
    staged: &mut Staged,
    key: Option<&Key<'_>>,
) -> Result<(conversation::Model, note::Model)> {
    let tx = begin(db).await?;
    let conversation = find_conversation(&tx, &viewer.tenant, conversation_id).await?;
    if let Some(key) = key
        && let Some(Added { note }) = idempotency::reserve(&tx, viewer, key).await?
    {
        return Ok((conversation, find_note(&tx, &viewer.tenant, note).await?));
    }
    let valid = check(&tx, viewer, note, &[]).await?;
    let added = insert(&tx, viewer, conversation.id, valid).await?;
    staged
        .attach(&tx, &viewer.tenant, Owner::Note(added.id), now())
        .await?;
    if let Some(key) = key {
        idempotency::remember(&tx, viewer, key, &Added { note: added.id }).await?;
    }
    tx.commit().await?;
    Ok((conversation, added))
}

/// What became of one item of `add_many`.
pub enum Outcome {
    /// The note was written.
    Added(note::Model),
    /// The item was refused, for these reasons; nothing of it was written.
    Rejected(Vec<UserError>),
}

/// What `add_many` remembers under an idempotency key.
#[derive(Serialize, Deserialize)]
enum Remembered {
    Added(i64),
    Rejected(Vec<RememberedError>),
}

#[derive(Serialize, Deserialize)]
struct RememberedError {
    field: Option<Vec<String>>,
    message: String,
    code: String,
}

impl RememberedError {
    fn of(err: &UserError) -> RememberedError {
        let code = UserErrorCode::items()
            .iter()
            .find(|item| item.value == err.code)
            .map_or("", |item| item.name);
        RememberedError {
            field: err.field.clone(),
            message: err.message.clone(),
            code: code.to_owned(),
        }
    }

    fn into_user_error(self) -> UserError {
        let code = UserErrorCode::items()
            .iter()
            .find(|item| item.name == self.code)
            .map_or(UserErrorCode::InvalidValue, |item| item.value);
        UserError {
            field: self.field,
            message: self.message,
            code,
        }
    }
}

#[derive(Serialize)]
struct ManyNotes<'a> {
    conversation_id: i64,
    /// The items; those the caller already refused count by position only.
    notes: Vec<Option<&'a NewNote>>,
}

/// Adds many notes in one transaction: the good ones are written (each with its
/// NOTE_ADDED entry) and each bad one is reported in its own outcome, in input order.
/// `notes` holds the items, or the refusal the caller already found for one (such as
/// an author ID that does not decode). An empty or too long list is refused whole.
pub async fn add_many(
    db: &DatabaseConnection,
    viewer: &Viewer,
    conversation_id: i64,
    notes: Vec<Result<NewNote, UserError>>,
    idempotency_key: Option<&str>,
) -> Result<(conversation::Model, Vec<Outcome>)> {
    if notes.is_empty() || notes.len() > MAX_BATCH {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["notes"],
            format!("give 1 to {MAX_BATCH} notes"),
        )
        .into());
    }
    let fingerprint = ManyNotes {
        conversation_id,
        notes: notes.iter().map(|n| n.as_ref().ok()).collect(),
    };
    let key = Key::new(idempotency_key, "addNotes", &fingerprint)?;
    let tx = begin(db).await?;
    let conversation = find_conversation(&tx, &viewer.tenant, conversation_id).await?;
    if let Some(key) = &key
        && let Some(remembered) = idempotency::reserve::<Vec<Remembered>>(&tx, viewer, key).await?
    {
        let mut outcomes = Vec::with_capacity(remembered.len());
        for item in remembered {
            outcomes.push(match item {
                Remembered::Added(id) => Outcome::Added(find_note(&tx, &viewer.tenant, id).await?),
                Remembered::Rejected(errors) => Outcome::Rejected(
                    errors
                        .into_iter()
                        .map(RememberedError::into_user_error)
                        .collect(),
                ),
            });
        }
        return Ok((conversation, outcomes));
    }
    let mut outcomes = Vec::with_capacity(notes.len());
    for (i, item) in notes.into_iter().enumerate() {
        let index = i.to_string();
        let at = ["notes", index.as_str()];
        let checked = match item {
            Ok(note) => check(&tx, viewer, &note, &at).await,
            Err(refusal) => Err(refusal.into()),
        };
        outcomes.push(match checked {
            Ok(valid) => Outcome::Added(insert(&tx, viewer, conversation.id, valid).await?),
            Err(Error::User(refusal)) => Outcome::Rejected(vec![refusal]),
            // An unknown author fails this item only (seed 004: "An agent with id ...
            // cannot be found").
            Err(Error::NotFound(_)) => Outcome::Rejected(vec![UserError::new(
                UserErrorCode::NotFound,
                &[at[0], at[1], "authorId"],
                "no agent of the tenant has this id",
            )]),
            Err(other) => return Err(other),
        });
    }
    if let Some(key) = &key {
        let remembered: Vec<Remembered> = outcomes
            .iter()
            .map(|o| match o {
                Outcome::Added(note) => Remembered::Added(note.id),
                Outcome::Rejected(errors) => {
                    Remembered::Rejected(errors.iter().map(RememberedError::of).collect())
                }
            })
            .collect();
        idempotency::remember(&tx, viewer, key, &remembered).await?;
    }
    tx.commit().await?;
    Ok((conversation, outcomes))
}
