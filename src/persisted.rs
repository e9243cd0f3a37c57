//! Persisted queries, over Apollo's protocol (`extensions.persistedQuery.sha256Hash`):
//! automatic ones, where a client sends a query's hash and the text only when the
//! server doesn't know it yet; or an allow-list, where only operations registered
//! ahead of time run at all.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::parse_query;
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerResult};
use sha2::{Digest, Sha256};

use crate::error::Error;

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
    /// to its text, as GraphQL Code Generator's `persistedDocuments` writes it.
    pub fn allow_list(path: &Path) -> anyhow::Result<Store> {
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
            let document = parse_query(&query).with_context(|| {
                format!("{}: the query `{hash}` does not parse", path.display())
            })?;
            documents.insert(hash.to_ascii_lowercase(), document);
        }
        Ok(Store::AllowList(Arc::new(documents)))
    }
}

#[async_trait::async_trait]
impl CacheStorage for Store {
    async fn get(&self, key: String) -> Option<ExecutableDocument> {
        match self {
            Store::Automatic(cache) => cache.get(key).await,
            Store::AllowList(list) => list.get(&key).cloned(),
        }
    }

    async fn set(&self, key: String, query: ExecutableDocument) {
        // An allow-list is fixed when the server starts.
        if let Store::Automatic(cache) = self {
            cache.set(key, query).await;
        }
    }
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

/// Runs only the operations of an allow-list: by hash, or by a text whose hash is listed.
pub struct AllowListOnly(pub Arc<HashMap<String, ExecutableDocument>>);

impl ExtensionFactory for AllowListOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AllowListOnly(self.0.clone()))
    }
}

#[async_trait::async_trait]
impl Extension for AllowListOnly {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let hash = match requested_hash(&request) {
            Some(hash) => hash,
            None => sha256(&request.query),
        };
        if !self.0.contains_key(&hash) {
            let error: async_graphql::Error = Error::NotRegistered.into();
            return Err(error.into_server_error(Default::default()));
        }
        next.run(ctx, request).await
    }
}

/// The message async-graphql's extension gives an unknown hash, which Apollo
/// clients answer by sending the query's text.
pub const NOT_FOUND: &str = "PersistedQueryNotFound";
