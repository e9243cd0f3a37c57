//! `addNote`: an internal note on a conversation.

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::note_edge;
use crate::graphql::mutation::{input_id, input_id_opt, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::note::Note;
use crate::graphql::upload::{Upload, files};
use crate::graphql::{attachments, require, writer};
use crate::ids::NodeKind;
use crate::pagination::Cursor;
use crate::service::notes::{NewNote, add};

/// Input of `addNote`.
#[derive(InputObject)]
pub struct AddNoteInput {
    /// The conversation to note on (it may be CLOSED).
    pub conversation_id: ID,
    /// The note, 1 to 10000 characters.
    pub body: String,
    /// The author (default: the viewer).
    pub author_id: Option<ID>,
    /// When it was written, for notes copied from another system (default: now; not in the future).
    pub created_at: Option<DateTime<Utc>>,
    /// Files to attach, sent as `multipart/form-data` parts (see `Upload`): at most 10
    /// by default, each at most 10 MiB, within the tenant's quota (LIMIT_EXCEEDED
    /// beyond; a file over the size limit fails the whole request with 413).
    pub attachments: Option<Vec<Upload>>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `addNote`.
#[derive(SimpleObject)]
pub struct AddNotePayload {
    /// The new note (null when refused).
    pub note: Option<Note>,
    /// The new note's edge in `Conversation.notes`, to insert into a cached list.
    pub note_edge: Option<Edge<Cursor, Note, EmptyFields>>,
    /// The conversation the note is on.
    pub conversation: Option<Conversation>,
    /// Why the note was not added, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct AddNoteMutation;

#[Object]
impl AddNoteMutation {
    /// Adds an internal note, visible to agents only, with its attachments. Notes
    /// are allowed on CLOSED conversations (follow-ups after closing are normal) and
    /// leave the conversation itself unchanged. An empty or too long body is
    /// INVALID_VALUE.
    async fn add_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The note to add.")] input: AddNoteInput,
    ) -> Result<AddNotePayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let conversation_id = input_id(&input.conversation_id, NodeKind::Conversation)?;
        let note = NewNote {
            body: input.body,
            author_id: input_id_opt(input.author_id.as_ref(), NodeKind::Agent)?,
            created_at: input.created_at.map(|t| t.timestamp_micros()),
        };
        let files = files(ctx, input.attachments)?;
        let key = input.idempotency_key.as_deref();
        let store = attachments(ctx)?;
        let (added, user_errors) = settle(
            add(
                writer(ctx)?,
                store,
                viewer,
                conversation_id,
                note,
                files,
                key,
            )
            .await,
        )?;
        let (conversation, note) = added.unzip();
        Ok(AddNotePayload {
            note_edge: note.as_ref().map(note_edge),
            note: note.map(Note),
            conversation: conversation.map(Conversation),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
