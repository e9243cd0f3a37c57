//! Persisted queries, over Apollo's protocol (`extensions.persistedQuery.sha256Hash`):
//! automatic ones, where a client sends a query's hash and the text only when the
//! server doesn't know it yet; or an allow-list, where only operations registered
//! ahead of time run at all.
//!
//! Automatic ones are kept as text, in a cache bounded by bytes (the parsed form is
//! the parsed-document cache's business) and, with Redis, in Redis too, so that a
//! query registered on one replica runs by hash on every other. Only a client with a
//! valid token may register a query, and only a query of at most
//! `--max-cached-query-bytes`: a longer one runs, but is not kept.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use async_graphql::Request;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use sha2::{Digest, Sha256};

use crate::cache::ByteCache;
use crate::config::HttpOptions;
use crate::error::Error;
use crate::limits::parse_document;
use crate::replicas::Shared;

/// Where persisted queries are kept; cheap to clone.
#[derive(Clone)]
pub enum Store {
    /// Whatever clients with a token registered, the least used forgotten first.
    Automatic(Arc<Automatic>),
    /// Exactly the operations of an allow-list file.
    AllowList(Arc<HashMap<String, ExecutableDocument>>),
}

/// Automatically persisted queries: their text by hash.
pub struct Automatic {
    /// What this process registered or found in Redis (a hash names one text forever,
    /// so a copy never goes stale).
    local: ByteCache<Arc<str>>,
    /// The replicas' registrations, if they share them.
    shared: Option<Shared>,
    /// Longest text registered.
    max_text: usize,
    /// How long a registration lives in Redis.
    ttl: std::time::Duration,
}

/// A query to register once its text has parsed: its hash.
#[derive(Debug)]
pub struct Registration(String);

impl Store {
    /// Automatically persisted queries as `options` configure them, shared through
    /// `shared` if given (None if `--apq-cache-size` is 0).
    pub fn automatic(options: &HttpOptions, shared: Option<Shared>) -> Option<Store> {
        if options.apq_cache_size == 0 {
            return None;
        }
        let caches = &options.caches;
        let budget = caches.apq_cache_bytes;
        let typical = budget / options.apq_cache_size as u64;
        Some(Store::Automatic(Arc::new(Automatic {
            local: ByteCache::new(budget, typical),
            shared,
            max_text: caches.max_cached_query_bytes,
            ttl: options.redis.apq_ttl,
        })))
    }

    /// The allow-list in `path`: a JSON object from each operation's SHA-256 (hex)
    /// to its text, as GraphQL Code Generator's `persistedDocuments` writes it; no
    /// document may nest deeper than `max_nesting`.
    pub fn allow_list(path: &Path, max_nesting: usize) -> anyhow::Result<Store> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let entries: HashMap<String, String> = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a JSON object of hash → query", path.display()))?;
        let mut documents = HashMap::with_capacity(entries.len());
        for (hash, query) in entries {
            if sha256(&query) != hash.to_ascii_lowercase() {
                bail!(
                    "{}: `{hash}` is not the SHA-256 of its query",
                    path.display()
                );
            }
            let document = parse_document(&query, max_nesting).map_err(|err| {
                anyhow::anyhow!(
                    "{}: the query `{hash}` does not parse: {}",
                    path.display(),
                    err.message
                )
            })?;
            documents.insert(hash.to_ascii_lowercase(), document);
        }
        Ok(Store::AllowList(Arc::new(documents)))
    }

    /// The names of the allow-list's operations (None for automatic persisted
    /// queries): what metrics label requests by.
    pub fn operation_names(&self) -> Option<Vec<String>> {
        let Store::AllowList(list) = self else {
            return None;
        };
        let names = list
            .values()
            .flat_map(|document| match &document.operations {
                DocumentOperations::Single(_) => Vec::new(),
                DocumentOperations::Multiple(operations) => {
                    operations.keys().map(|name| name.to_string()).collect()
                }
            });
        Some(names.collect())
    }

    /// The document persisted under `hash` (an automatic one's text is parsed only
    /// if it nests no deeper than `max_nesting`: Redis may hold any text).
    pub async fn get(&self, hash: &str, max_nesting: usize) -> Option<ExecutableDocument> {
        match self {
            Store::Automatic(store) => parse_document(&store.text(hash).await?, max_nesting).ok(),
            Store::AllowList(list) => list.get(hash).cloned(),
        }
    }

    /// The bytes of automatically persisted queries this process keeps.
    pub fn bytes(&self) -> u64 {
        match self {
            Store::Automatic(store) => store.local.bytes(),
            Store::AllowList(_) => 0,
        }
    }

    /// `request` with its persisted query resolved. A hash alone becomes the
    /// text or document it names (PERSISTED_QUERY_NOT_FOUND if unknown); a text
    /// with its hash is checked and, in automatic mode, to be registered once it
    /// parsed ([`Store::register`]): only by a client with a valid token
    /// (`authenticated`), else it is UNAUTHENTICATED unless already known. In
    /// allow-list mode only listed operations pass, named by hash or by text.
    pub async fn resolve(
        &self,
        mut request: Request,
        authenticated: bool,
    ) -> Result<(Request, Option<Registration>), Error> {
        let hash = match request.extensions.remove("persistedQuery") {
            Some(value) => Some(hash_of(value)?),
            None => None,
        };
        let store = match self {
            Store::AllowList(list) => {
                let listed = hash.clone().unwrap_or_else(|| sha256(&request.query));
                let Some(document) = list.get(&listed) else {
                    return Err(Error::NotRegistered);
                };
                if request.query.is_empty() {
                    request.set_parsed_query(document.clone());
                } else if hash.is_some() && sha256(&request.query) != listed {
                    return Err(mismatch());
                }
                return Ok((request, None));
            }
            Store::Automatic(store) => store,
        };
        let Some(hash) = hash else {
            return Ok((request, None));
        };
        if request.query.is_empty() {
            let text = store
                .text(&hash)
                .await
                .ok_or(Error::PersistedQueryNotFound)?;
            request.query = text.to_string();
            return Ok((request, None));
        }
        if sha256(&request.query) != hash {
            return Err(mismatch());
        }
        if request.query.len() > store.max_text {
            return Ok((request, None));
        }
        if !authenticated && store.text(&hash).await.is_none() {
            return Err(Error::Unauthenticated(
                "only a client with a valid token may register a persisted query".into(),
            ));
        }
        Ok((request, authenticated.then_some(Registration(hash))))
    }

    /// Keeps `text` under the hash of `registration`, here and in Redis if shared.
    pub async fn register(&self, registration: Registration, text: &str) {
        let Store::Automatic(store) = self else {
            return;
        };
        let Registration(hash) = registration;
        store
            .local
            .insert(&hash, Arc::from(text), text.len() as u64);
        if let Some(shared) = &store.shared {
            let key = shared.key("apq", &hash);
            let ttl = store.ttl.as_secs().max(1);
            shared
                .run("SET persisted query", |mut redis| async move {
                    redis::cmd("SET")
                        .arg(key)
                        .arg(text)
                        .arg("EX")
                        .arg(ttl)
                        .query_async::<()>(&mut redis)
                        .await
                })
                .await;
        }
    }
}

impl Automatic {
    /// The text registered under `hash`: kept here, or found in Redis (and then kept
    /// here). An unreachable Redis knows nothing.
    async fn text(&self, hash: &str) -> Option<Arc<str>> {
        if !is_sha256(hash) {
            return None;
        }
        if let Some(text) = self.local.get(hash) {
            return Some(text);
        }
        let shared = self.shared.as_ref()?;
        let key = shared.key("apq", hash);
        let text: String = shared
            .run("GET persisted query", |mut redis| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut redis)
                    .await
            })
            .await??;
        // Only what this replica would have registered itself is kept.
        if text.len() > self.max_text || sha256(&text) != hash {
            return None;
        }
        let text: Arc<str> = Arc::from(text);
        self.local.insert(hash, text.clone(), text.len() as u64);
        Some(text)
    }
}

/// A text sent with the hash of another.
fn mismatch() -> Error {
    Error::bad_input("the persisted query's sha256Hash is not the hash of its query")
}

/// Whether `hash` can be a SHA-256 in hex (lowercase), as every registered one is.
fn is_sha256(hash: &str) -> bool {
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The hash of Apollo's `persistedQuery` extension (version 1).
fn hash_of(extension: async_graphql::Value) -> Result<String, Error> {
    #[derive(serde::Deserialize)]
    struct PersistedQuery {
        version: i32,
        #[serde(rename = "sha256Hash")]
        sha256_hash: String,
    }
    let query: PersistedQuery = async_graphql::from_value(extension).map_err(|_| {
        Error::bad_input("`extensions.persistedQuery` must be `{ version: 1, sha256Hash }`")
    })?;
    if query.version != 1 {
        return Err(Error::bad_input(format!(
            "persisted queries of version {} are not supported, only version 1",
            query.version
        )));
    }
    Ok(query.sha256_hash.to_ascii_lowercase())
}

/// The hex SHA-256 of a query's text, as persisted-query protocols name it.
pub fn sha256(query: &str) -> String {
    format!("{:x}", Sha256::digest(query.as_bytes()))
}

/// The hash a request names in `extensions.persistedQuery.sha256Hash`.
pub fn requested_hash(request: &Request) -> Option<String> {
    let value = request
        .extensions
        .get("persistedQuery")?
        .clone()
        .into_json()
        .ok()?;
    Some(value.get("sha256Hash")?.as_str()?.to_ascii_lowercase())
}
