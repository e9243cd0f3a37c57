//! `Attachment`: a file attached to a message or a note, with its download link.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::attachment;

use super::at;
use crate::attachments::{Link, Owner};
use crate::graphql::{Read, attachments, loaders, viewer};
use crate::ids::NodeKind;
use crate::loader::AttachmentsOf;

pub struct Attachment {
    row: attachment::Model,
    /// Signed when the object is made, so `url` and `urlExpiresAt` agree.
    link: Link,
}

impl Attachment {
    /// The attachment `row` with a fresh download link.
    pub fn new(ctx: &Context<'_>, row: attachment::Model) -> crate::error::Result<Attachment> {
        let link = attachments(ctx)?.link(&row.tenant_id, row.id);
        Ok(Attachment { row, link })
    }
}

/// The attachments of `owner` in the viewer's tenant, oldest first.
pub async fn attachments_of(
    ctx: &Context<'_>,
    owner: Owner,
) -> crate::error::Result<Vec<Attachment>> {
    let key = AttachmentsOf {
        tenant: viewer(ctx)?.tenant.clone(),
        owner,
    };
    let rows = loaders(ctx)?.load_one(key).await?.unwrap_or_default();
    rows.into_iter()
        .map(|row| Attachment::new(ctx, row))
        .collect()
}

/// A file attached to a message or a note. Its bytes are downloaded from `url`.
#[Object(guard = "Read::Conversations")]
impl Attachment {
    /// The attachment's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Attachment.id(self.row.id)
    }

    /// The file's name as the client sent it, without folders or control characters
    /// (at most 255 bytes; `attachment` when nothing usable was sent).
    async fn file_name(&self) -> &str {
        &self.row.file_name
    }

    /// The media type, recognized from the file's first bytes (what the client
    /// claimed is ignored); `application/octet-stream` when not recognized.
    async fn content_type(&self) -> &str {
        &self.row.content_type
    }

    /// Size in bytes.
    async fn size(&self) -> i32 {
        i32::try_from(self.row.size).unwrap_or(i32::MAX)
    }

    /// SHA-256 of the bytes, lowercase hex.
    async fn sha256(&self) -> &str {
        &self.row.sha256
    }

    /// When it was attached.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.row.created_at)
    }

    /// A link that downloads the file, signed for this file and tenant; it works for
    /// anyone who holds it until `urlExpiresAt` (read the field again for a fresh
    /// one). A path on the API's own origin unless the server is configured with
    /// `--attachments-base-url`.
    async fn url(&self) -> &str {
        &self.link.url
    }

    /// When `url` stops working.
    async fn url_expires_at(&self) -> DateTime<Utc> {
        self.link.expires_at
    }
}
