//! The rules of attachments: how many files and how large, the tenant's quota, what
//! a file is (sniffed from its bytes, never the client's word) and what it is
//! called. Objects are written before their rows and deleted again when the rows
//! are not kept, so a refused or failed write leaves nothing in the store.

use bytes::Bytes;
use entity::{attachment, attachment_usage, message, note};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, NotSet,
    QueryFilter, QueryOrder, Set,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use sha2::{Digest, Sha256};

use crate::attachments::{Attachments, Owner};
use crate::db::{all, scoped};
use crate::error::{Result, UserError, UserErrorCode};

/// Longest file name kept, in bytes (what most file systems allow).
pub const MAX_FILE_NAME: usize = 255;

/// The name a file without a usable one gets.
const UNNAMED: &str = "attachment";

/// What a file whose type is not recognized is served as.
const UNKNOWN_TYPE: &str = "application/octet-stream";

/// A file the client sent, before any check.
#[derive(Clone)]
pub struct NewFile {
    /// The name the client gave it.
    pub file_name: String,
    pub content: Bytes,
    sha256: String,
}

impl NewFile {
    pub fn new(file_name: String, content: Bytes) -> NewFile {
        let sha256 = format!("{:x}", Sha256::digest(&content));
        NewFile {
            file_name,
            content,
            sha256,
        }
    }
}

/// A file's part of an idempotency key's fingerprint: its name, size and digest.
impl Serialize for NewFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut file = serializer.serialize_struct("NewFile", 3)?;
        file.serialize_field("file_name", &self.file_name)?;
        file.serialize_field("size", &self.content.len())?;
        file.serialize_field("sha256", &self.sha256)?;
        file.end()
    }
}

/// A checked file, written to the store, waiting for its row.
struct StagedFile {
    file_name: String,
    content_type: &'static str,
    size: i64,
    sha256: String,
    key: String,
}

/// Files checked and written to the store for one message or note. Their objects
/// are deleted by [`Staged::settle`] unless their rows were committed; a write
/// that is dropped half-way (the request timed out) deletes them when dropped.
pub struct Staged {
    store: Attachments,
    files: Vec<StagedFile>,
    /// Whether [`Staged::attach`] wrote the rows in the write's transaction.
    attached: bool,
    /// Whether the objects' fate is settled (kept, or deleted already).
    settled: bool,
}

/// Checks `files` against the limits and writes each to the store under a new key
/// of `tenant`. Too many files, or a file too large, is LIMIT_EXCEEDED and nothing is
/// written; a store failure deletes what was written before it.
pub async fn stage(store: &Attachments, tenant: &str, files: Vec<NewFile>) -> Result<Staged> {
    let limits = store.limits();
    if files.len() > limits.max_files {
        return Err(limit_exceeded(
            &["attachments"],
            format!(
                "a message or note may have at most {} attachments",
                limits.max_files
            ),
        ));
    }
    for (i, file) in files.iter().enumerate() {
        if file.content.len() > limits.max_file_bytes {
            return Err(limit_exceeded(
                &["attachments", &i.to_string()],
                format!(
                    "an attachment may be at most {} bytes",
                    limits.max_file_bytes
                ),
            ));
        }
    }
    let mut staged = Staged {
        store: store.clone(),
        files: Vec::with_capacity(files.len()),
        attached: false,
        settled: false,
    };
    for file in files {
        let key = Attachments::new_key(tenant);
        let size = i64::try_from(file.content.len()).unwrap_or(i64::MAX);
        let content_type = content_type(&file.content);
        if let Err(err) = store.put(&key, file.content).await {
            staged.settle(false).await;
            return Err(err);
        }
        staged.files.push(StagedFile {
            file_name: file_name(&file.file_name),
            content_type,
            size,
            sha256: file.sha256,
            key,
        });
    }
    Ok(staged)
}

impl Staged {
    /// Writes the files' rows for `owner`, in the transaction of the owner's write,
    /// after reserving their bytes from the tenant's quota: the reservation is one
    /// `UPDATE` of the tenant's usage row that only succeeds within the quota, so
    /// concurrent uploads queue on that row and cannot pass the quota together.
    pub async fn attach(
        &mut self,
        tx: &DatabaseTransaction,
        tenant: &str,
        owner: Owner,
        at: i64,
    ) -> Result<Vec<attachment::Model>> {
        if self.files.is_empty() {
            return Ok(Vec::new());
        }
        let bytes: i64 = self.files.iter().map(|f| f.size).sum();
        reserve(tx, tenant, bytes, self.store.limits().tenant_quota_bytes).await?;
        let (message_id, note_id) = match owner {
            Owner::Message(id) => (Some(id), None),
            Owner::Note(id) => (None, Some(id)),
        };
        let mut rows = Vec::with_capacity(self.files.len());
        for file in &self.files {
            let row = attachment::ActiveModel {
                id: NotSet,
                tenant_id: Set(tenant.to_owned()),
                message_id: Set(message_id),
                note_id: Set(note_id),
                file_name: Set(file.file_name.clone()),
                content_type: Set(file.content_type.to_owned()),
                size: Set(file.size),
                sha256: Set(file.sha256.clone()),
                storage_key: Set(file.key.clone()),
                created_at: Set(at),
            };
            rows.push(row.insert(tx).await?);
        }
        self.attached = true;
        Ok(rows)
    }

    /// Keeps the objects when their rows were attached and the write `committed`;
    /// deletes them otherwise (a refused write, a rolled-back transaction, or an
    /// idempotent replay that wrote nothing).
    pub async fn settle(&mut self, committed: bool) {
        if self.settled {
            return;
        }
        self.settled = true;
        if !(committed && self.attached) {
            self.store.delete(&self.keys()).await;
        }
    }

    fn keys(&self) -> Vec<String> {
        self.files.iter().map(|f| f.key.clone()).collect()
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.settled || self.files.is_empty() {
            return;
        }
        // Dropped before it was settled: the write was abandoned (its transaction
        // rolled back with it), so its objects go too.
        let (store, keys) = (self.store.clone(), self.keys());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { store.delete(&keys).await });
        }
    }
}

/// Adds `bytes` to the tenant's usage if the sum stays within `quota` (0: no limit);
/// LIMIT_EXCEEDED otherwise.
async fn reserve(tx: &DatabaseTransaction, tenant: &str, bytes: i64, quota: u64) -> Result<()> {
    use attachment_usage::Column;
    attachment_usage::Entity::insert(attachment_usage::ActiveModel {
        tenant_id: Set(tenant.to_owned()),
        used_bytes: Set(0),
    })
    .on_conflict(OnConflict::column(Column::TenantId).do_nothing().to_owned())
    .exec_without_returning(tx)
    .await?;
    let mut update = attachment_usage::Entity::update_many()
        .col_expr(Column::UsedBytes, Expr::col(Column::UsedBytes).add(bytes))
        .filter(Column::TenantId.eq(tenant));
    if quota > 0 {
        let quota = i64::try_from(quota).unwrap_or(i64::MAX);
        update = update.filter(Expr::col(Column::UsedBytes).add(bytes).lte(quota));
    }
    if update.exec(tx).await?.rows_affected == 0 {
        return Err(limit_exceeded(
            &["attachments"],
            format!("the tenant's attachments would pass its quota of {quota} bytes"),
        ));
    }
    Ok(())
}

/// Which attachments [`remove`] takes.
pub enum Removal {
    /// Those of a conversation's messages and notes.
    Conversation(i64),
    /// Those of one message.
    Message(i64),
}

/// Deletes the rows of the attachments `which` names and gives their bytes back to
/// the tenant's quota, in the caller's transaction; returns the objects' keys, for
/// the caller to delete once the transaction has committed.
pub async fn remove(tx: &DatabaseTransaction, tenant: &str, which: Removal) -> Result<Vec<String>> {
    let owned = match which {
        Removal::Conversation(conversation) => {
            let messages = Query::select()
                .column(message::Column::Id)
                .from(message::Entity)
                .and_where(message::Column::TenantId.eq(tenant))
                .and_where(message::Column::ConversationId.eq(conversation))
                .to_owned();
            let notes = Query::select()
                .column(note::Column::Id)
                .from(note::Entity)
                .and_where(note::Column::TenantId.eq(tenant))
                .and_where(note::Column::ConversationId.eq(conversation))
                .to_owned();
            Condition::any()
                .add(attachment::Column::MessageId.in_subquery(messages))
                .add(attachment::Column::NoteId.in_subquery(notes))
        }
        Removal::Message(id) => Condition::all().add(attachment::Column::MessageId.eq(id)),
    };
    let rows = all(
        tx,
        scoped::<attachment::Entity>(tenant)
            .filter(owned)
            .order_by_asc(attachment::Column::Id),
    )
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    attachment::Entity::delete_many()
        .filter(attachment::Column::TenantId.eq(tenant))
        .filter(attachment::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(tx)
        .await?;
    let freed: i64 = rows.iter().map(|r| r.size).sum();
    attachment_usage::Entity::update_many()
        .col_expr(
            attachment_usage::Column::UsedBytes,
            Expr::col(attachment_usage::Column::UsedBytes).sub(freed),
        )
        .filter(attachment_usage::Column::TenantId.eq(tenant))
        .exec(tx)
        .await?;
    Ok(rows.into_iter().map(|r| r.storage_key).collect())
}

fn limit_exceeded(field: &[&str], message: String) -> crate::error::Error {
    UserError::new(UserErrorCode::LimitExceeded, field, message).into()
}

/// The media type of `bytes`, from their magic numbers; the client's claim is never
/// asked.
pub fn content_type(bytes: &[u8]) -> &'static str {
    infer::get(bytes).map_or(UNKNOWN_TYPE, |kind| kind.mime_type())
}

/// Whether `c` reorders text (bidirectional controls), which would let a name such
/// as `invoice\u{202E}fdp.exe` read as `invoiceexe.pdf`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The name a file is kept and served under: the last part of what the client sent
/// (no folders), without control characters, trimmed, at most [`MAX_FILE_NAME`]
/// bytes (a long name keeps its extension); `attachment` when nothing is left.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        return UNNAMED.to_owned();
    }
    if clean.len() <= MAX_FILE_NAME {
        return clean.to_owned();
    }
    let extension = clean
        .rfind('.')
        .map(|dot| &clean[dot..])
        .filter(|ext| ext.len() <= 16)
        .unwrap_or("");
    let mut stem_len = MAX_FILE_NAME - extension.len();
    while !clean.is_char_boundary(stem_len) {
        stem_len -= 1;
    }
    format!("{}{extension}", &clean[..stem_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first bytes of a PNG file: its signature and the start of its header chunk.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(content_type(PNG), "image/png");
        assert_eq!(content_type(b"%PDF-1.7\n"), "application/pdf");
        // HTML is recognized too; downloads are served so that no browser runs it.
        assert_eq!(content_type(b"<html><script>x</script>"), "text/html");
        assert_eq!(content_type(b"just words"), UNKNOWN_TYPE);
        assert_eq!(content_type(b""), UNKNOWN_TYPE);
    }

    #[test]
    fn names_lose_paths_and_controls() {
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("C:\\Users\\ada\\report.pdf"), "report.pdf");
        assert_eq!(file_name("a\u{0}b\nc\u{7f}.txt"), "abc.txt");
        assert_eq!(file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(file_name("  photo.png  "), "photo.png");
        for empty in ["", "   ", "dir/", "..", "\u{1}"] {
            assert_eq!(file_name(empty), "attachment", "{empty:?}");
        }
        let long = format!("{}.jpeg", "é".repeat(300));
        let kept = file_name(&long);
        assert!(
            kept.len() <= MAX_FILE_NAME && kept.ends_with("é.jpeg"),
            "{kept}"
        );
    }
}
