//! The attachments of messages and notes: one `WHERE message_id IN (...)` and one
//! `WHERE note_id IN (...)` per batch at most.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::attachment;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use super::{DbLoader, LoadError, by_tenant};
use crate::attachments::Owner;
use crate::db::{all, scoped};

/// Key: the attachments of `owner`, oldest first.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AttachmentsOf {
    pub tenant: Arc<str>,
    pub owner: Owner,
}

impl Loader<AttachmentsOf> for DbLoader {
    type Value = Vec<attachment::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AttachmentsOf],
    ) -> Result<HashMap<AttachmentsOf, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, owners) in by_tenant(keys, |k| &k.tenant, |k| k.owner) {
            let (mut messages, mut notes) = (Vec::new(), Vec::new());
            for owner in &owners {
                match owner {
                    Owner::Message(id) => messages.push(*id),
                    Owner::Note(id) => notes.push(*id),
                }
            }
            let mut found: HashMap<Owner, Vec<attachment::Model>> = HashMap::new();
            for (column, ids) in [
                (attachment::Column::MessageId, messages),
                (attachment::Column::NoteId, notes),
            ] {
                if ids.is_empty() {
                    continue;
                }
                let rows = all(
                    &self.db,
                    scoped::<attachment::Entity>(&tenant)
                        .filter(column.is_in(ids))
                        .order_by_asc(attachment::Column::Id),
                )
                .await
                .map_err(|e| Arc::new(e.into()))?;
                for row in rows {
                    let owner = match (row.message_id, row.note_id) {
                        (Some(id), _) => Owner::Message(id),
                        (None, Some(id)) => Owner::Note(id),
                        (None, None) => continue,
                    };
                    found.entry(owner).or_default().push(row);
                }
            }
            for owner in owners {
                let key = AttachmentsOf {
                    tenant: tenant.clone(),
                    owner,
                };
                out.insert(key, found.remove(&owner).unwrap_or_default());
            }
        }
        Ok(out)
    }
}
