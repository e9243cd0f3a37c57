//! Persisted queries, over Apollo's protocol (`extensions.persistedQuery.sha256Hash`):
//! automatic ones, where a client sends a query's hash and the text only when the
//! server doesn't know it yet; or an allow-list, where only operations registered
//! ahead of time run at all.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use async_graphql::Request;
use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::limits::parse_document;

/// Where persisted queries are kept; cheap to clone.
#[derive(Clone)]
pub enum Store {
    /// Whatever clients registered, the least recently used forgotten first.
    Automatic(LruCacheStorage),
    /// Exactly the operations of an allow-list file.
    AllowList(Arc<HashMap<String, ExecutableDocument>>),
}

impl Store {
    /// A cache of at most `capacity` automatically persisted queries (None if 0).
    pub fn automatic(capacity: usize) -> Option<Store> {
        (capacity > 0).then(|| Store::Automatic(LruCacheStorage::new(capacity)))
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

    /// The document persisted under `hash`.
    pub async fn get(&self, hash: &str) -> Option<ExecutableDocument> {
        match self {
            Store::Automatic(cache) => cache.get(hash.to_owned()).await,
            Store::AllowList(list) => list.get(hash).cloned(),
        }
    }

    /// `request` with its persisted query resolved. A hash alone becomes the
    /// document it names (PERSISTED_QUERY_NOT_FOUND if unknown); a text with its
    /// hash is checked and, in automatic mode, kept for next time. In allow-list mode
    /// only listed operations pass, named by hash or by text. A text is parsed only
    /// if it nests no deeper than `max_nesting`.
    pub async fn resolve(
        &self,
        mut request: Request,
        max_nesting: usize,
    ) -> Result<Request, Error> {
        let hash = match request.extensions.remove("persistedQuery") {
            Some(value) => Some(hash_of(value)?),
            None => None,
        };
        if let Store::AllowList(list) = self {
            let listed = hash.clone().unwrap_or_else(|| sha256(&request.query));
            if !list.contains_key(&listed) {
                return Err(Error::NotRegistered);
            }
        }
        let Some(hash) = hash else {
            return Ok(request);
        };
        if request.query.is_empty() {
            let document = self.get(&hash).await.ok_or(Error::PersistedQueryNotFound)?;
            request.set_parsed_query(document);
        } else if sha256(&request.query) != hash {
            return Err(Error::bad_input(
                "the persisted query's sha256Hash is not the hash of its query",
            ));
        } else if let Store::Automatic(cache) = self
            && let Ok(document) = parse_document(&request.query, max_nesting)
        {
            cache.set(hash, document.clone()).await;
            request.set_parsed_query(document);
        }
        Ok(request)
    }
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
