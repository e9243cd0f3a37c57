//! Internal notes (`service::notes`).

mod add_note;
mod add_notes;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct NoteWrites(add_note::AddNoteMutation, add_notes::AddNotesMutation);
