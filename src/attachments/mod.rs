//! Where attachments' bytes live and how they are fetched: the object store (a
//! folder or S3), keys that never come from the client, and signed, expiring
//! download links. The rules of attaching files (how many, how large, the tenant's
//! quota, what a file is) are `service::attachments`.

mod links;
mod store;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use object_store::path::{Path, PathPart};
use object_store::{GetResult, ObjectStore, PutPayload};

pub use links::{LinkRefusal, ROUTE, Signer};
pub use store::{DEFAULT_FOLDER, default_folder};

use crate::config::AttachmentOptions;
use crate::error::{Error, Result};

/// What the key for download links is derived from, under the JWT secret.
pub const LINK_KEY_PURPOSE: &str = "parley attachment links v1";

/// Shortest signing key accepted.
const MIN_KEY_BYTES: usize = 16;

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Message(i64),
    Note(i64),
}

/// The bounds on what may be attached.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentLimits {
    /// Largest file, in bytes.
    pub max_file_bytes: usize,
    /// Most files per message or note.
    pub max_files: usize,
    /// Bytes each tenant may keep; 0 is no limit.
    pub tenant_quota_bytes: u64,
}

/// Room a multipart body needs besides its files: each part's boundary and headers.
const PART_OVERHEAD: usize = 1024;

impl AttachmentLimits {
    /// Largest multipart body: the operations and map (at most a JSON body's limit)
    /// and `max_files` files of the largest size.
    pub fn upload_body_bytes(&self, max_body_bytes: usize) -> usize {
        self.max_files
            .saturating_mul(self.max_file_bytes.saturating_add(PART_OVERHEAD))
            .saturating_add(max_body_bytes)
    }
}

/// A download link and when it stops working.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// The attachments' store and links, shared by the schema and the download route.
#[derive(Clone)]
pub struct Attachments(Arc<Inner>);

struct Inner {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    described: String,
    signer: Signer,
    url_ttl: Duration,
    base_url: String,
    limits: AttachmentLimits,
    /// Multipart requests being read: their files are held in memory until the
    /// write is done, so at most `--attachments-max-concurrent-uploads` at once.
    receiving: Arc<Semaphore>,
}

impl Attachments {
    /// The store and links `options` configure; files go to `default_folder` when no
    /// store is named. Links are signed with the configured key, else `derived_key`
    /// (from the JWT secret), else a random key of this process.
    pub fn open(
        options: &AttachmentOptions,
        default_folder: &std::path::Path,
        derived_key: Option<[u8; 32]>,
    ) -> anyhow::Result<Attachments> {
        let opened = match &options.store {
            Some(spec) => store::open(spec)?,
            None => store::open(&default_folder.to_string_lossy())?,
        };
        let signer = match (&options.signing_key, derived_key) {
            (Some(key), _) => {
                anyhow::ensure!(
                    key.len() >= MIN_KEY_BYTES,
                    "PARLEY_ATTACHMENTS_SIGNING_KEY must be at least {MIN_KEY_BYTES} bytes"
                );
                Signer::new(key.as_bytes())
            }
            (None, Some(derived)) => Signer::new(&derived),
            (None, None) => {
                tracing::warn!(
                    "no PARLEY_ATTACHMENTS_SIGNING_KEY and no JWT secret to derive one from: \
                     attachment links are signed with a random key and work only on this \
                     process, until it stops"
                );
                Signer::new(&rand::random::<[u8; 32]>())
            }
        };
        let base_url = options
            .base_url
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_owned();
        Ok(Attachments(Arc::new(Inner {
            store: opened.store,
            prefix: opened.prefix,
            described: opened.described,
            signer,
            url_ttl: options.url_ttl,
            base_url,
            limits: AttachmentLimits {
                max_file_bytes: options.max_file_bytes,
                max_files: options.max_files,
                tenant_quota_bytes: options.tenant_quota_bytes,
            },
            receiving: Arc::new(Semaphore::new(options.max_concurrent_uploads)),
        })))
    }

    /// What may be attached.
    /// A turn to read a multipart request and hold its files, if one is free; keep it
    /// until the request is answered.
    pub fn try_receive(&self) -> Option<OwnedSemaphorePermit> {
        self.0.receiving.clone().try_acquire_owned().ok()
    }

    pub fn limits(&self) -> AttachmentLimits {
        self.0.limits
    }

    /// Where the files are kept, for logs.
    pub fn described(&self) -> &str {
        &self.0.described
    }

    /// A new key for a file of `tenant`: the tenant and a random name, nothing the
    /// client chose.
    pub fn new_key(tenant: &str) -> String {
        let name = format!("{:032x}", rand::random::<u128>());
        format!("{}/{name}", PathPart::from(tenant).as_ref())
    }

    /// The object behind `key`.
    fn location(&self, key: &str) -> Result<Path> {
        let prefix = self.0.prefix.as_ref();
        let full = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}/{key}")
        };
        Path::parse(full).map_err(|e| Error::Internal(format!("attachment key `{key}`: {e}")))
    }

    /// Writes a file's bytes under `key`.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<()> {
        let location = self.location(key)?;
        self.0
            .store
            .put(&location, PutPayload::from_bytes(bytes))
            .await
            .map(drop)
            .map_err(unavailable)
    }

    /// The object behind `key`, to stream; `None` when it is not there.
    pub async fn get(&self, key: &str) -> Result<Option<GetResult>> {
        let location = self.location(key)?;
        match self.0.store.get(&location).await {
            Ok(object) => Ok(Some(object)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(unavailable(err)),
        }
    }

    /// Deletes the objects behind `keys`; one already gone is no failure, any other
    /// is logged (the rows are gone, so the object is only taking space).
    pub async fn delete(&self, keys: &[String]) {
        for key in keys {
            let deleted = match self.location(key) {
                Ok(location) => self.0.store.delete(&location).await,
                Err(err) => {
                    tracing::error!(key, ?err, "an attachment key does not make a path");
                    continue;
                }
            };
            match deleted {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => tracing::error!(key, %err, "an attachment's object was not deleted"),
            }
        }
    }

    /// The download link of attachment `id` of `tenant`, valid from now for the
    /// configured time.
    pub fn link(&self, tenant: &str, id: i64) -> Link {
        let ttl = chrono::Duration::from_std(self.0.url_ttl).unwrap_or(chrono::Duration::MAX);
        let expires_at = Utc::now()
            .checked_add_signed(ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        // Whole seconds, rounded up: the link works at least as long as configured.
        let expires = expires_at.timestamp() + i64::from(expires_at.timestamp_subsec_nanos() > 0);
        let expires_at = DateTime::from_timestamp(expires, 0).unwrap_or(expires_at);
        Link {
            url: format!(
                "{}{}",
                self.0.base_url,
                self.0.signer.path(tenant, id, expires)
            ),
            expires_at,
        }
    }

    /// Whether a link's tenant, id, expiry and signature open the file now.
    pub fn check_link(
        &self,
        tenant: &str,
        id: i64,
        expires: i64,
        signature: &str,
    ) -> Result<(), LinkRefusal> {
        let now = Utc::now().timestamp();
        self.0.signer.check(tenant, id, expires, signature, now)
    }
}

/// The store failed (unreachable, refused, out of space): the client may retry.
fn unavailable(err: object_store::Error) -> Error {
    tracing::error!(%err, "the attachment store failed");
    Error::StoreUnavailable
}
