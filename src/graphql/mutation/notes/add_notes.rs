//! `addNotes`: many internal notes at once; the good ones are kept and each bad one
//! is reported in its own result.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, Union};
use chrono::{DateTime, Utc};

use crate::auth::Scope;
use crate::error::{UserError, UserErrorCode};
use crate::graphql::mutation::edges::note_edge;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::note::Note;
use crate::graphql::{require, writer};
use crate::ids::{NodeKind, decode_as};
use crate::pagination::Cursor;
use crate::service::notes::{NewNote, Outcome, add_many};

/// One note of `addNotes`.
#[derive(InputObject)]
pub struct NewNoteInput {
    /// The note, 1 to 10000 characters.
    pub body: String,
    /// The author (default: the viewer); an unknown one fails this note only.
    pub author_id: Option<ID>,
    /// When it was written (default: now; not in the future).
    pub created_at: Option<DateTime<Utc>>,
}

/// Input of `addNotes`.
#[derive(InputObject)]
pub struct AddNotesInput {
    /// The conversation to note on (it may be CLOSED).
    pub conversation_id: ID,
    /// The notes, 1 to 100.
    pub notes: Vec<NewNoteInput>,
    /// Makes retries safe: the same key with the same input returns the first results.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// A note of `addNotes` that was written.
#[derive(SimpleObject)]
pub struct NoteAdded {
    /// The note's position in `input.notes`, from 0.
    pub index: i32,
    /// The new note.
    pub note: Note,
    /// The new note's edge in `Conversation.notes`, to insert into a cached list.
    pub note_edge: Edge<Cursor, Note, EmptyFields>,
}

/// A note of `addNotes` that was refused; nothing of it was written.
#[derive(SimpleObject)]
pub struct NoteRejected {
    /// The note's position in `input.notes`, from 0.
    pub index: i32,
    /// Why it was refused; each `field` is the path of the bad value, e.g. `["input", "notes", "2", "body"]`.
    pub user_errors: Vec<UserError>,
}

/// What became of one note of `addNotes`.
#[derive(Union)]
pub enum AddNoteResult {
    /// The note was written.
    NoteAdded(Box<NoteAdded>),
    /// The note was refused.
    NoteRejected(NoteRejected),
}

/// Result of `addNotes`.
#[derive(SimpleObject)]
pub struct AddNotesPayload {
    /// One result per input note, in input order (empty when the whole request was refused).
    pub results: Vec<AddNoteResult>,
    /// The conversation the notes are on.
    pub conversation: Option<Conversation>,
    /// Why the whole request was refused (e.g. no notes, or more than 100), if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AddNotesMutation;

#[Object]
impl AddNotesMutation {
    /// Adds up to 100 internal notes in one transaction. Each note succeeds or fails on
    /// its own: the good ones are written (each with its NOTE_ADDED activity) and each
    /// bad one (empty or too long body, unknown author, future date) comes back as a
    /// `NoteRejected` with its index. Notes are allowed on CLOSED conversations.
    async fn add_notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and its notes.")] input: AddNotesInput,
    ) -> Result<AddNotesPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let conversation_id = input_id(&input.conversation_id, NodeKind::Conversation)?;
        let notes = input
            .notes
            .into_iter()
            .enumerate()
            .map(|(i, note)| {
                let author_id = match &note.author_id {
                    None => None,
                    Some(id) => Some(decode_as(id, NodeKind::Agent).ok_or_else(|| {
                        UserError::new(
                            UserErrorCode::NotFound,
                            &["notes", &i.to_string(), "authorId"],
                            "no agent of the tenant has this id",
                        )
                    })?),
                };
                Ok(NewNote {
                    body: note.body,
                    author_id,
                    created_at: note.created_at.map(|t| t.timestamp_micros()),
                })
            })
            .collect();
        let key = input.idempotency_key.as_deref();
        let (added, user_errors) =
            settle(add_many(writer(ctx)?, viewer, conversation_id, notes, key).await)?;
        let (conversation, outcomes) = added.unzip();
        let results = outcomes
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| {
                let index = i32::try_from(i).unwrap_or(i32::MAX);
                match outcome {
                    Outcome::Added(note) => AddNoteResult::NoteAdded(Box::new(NoteAdded {
                        index,
                        note_edge: note_edge(&note),
                        note: Note(note),
                    })),
                    Outcome::Rejected(user_errors) => {
                        AddNoteResult::NoteRejected(NoteRejected { index, user_errors })
                    }
                }
            })
            .collect();
        Ok(AddNotesPayload {
            results,
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
