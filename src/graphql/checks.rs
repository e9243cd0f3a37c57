//! The schema's one extension: what every operation goes through before it runs,
//! over HTTP and over websockets alike. Persisted queries are resolved (or only
//! registered ones let through), parsed documents reused, aliases counted, the
//! tenant's rate limit charged with the operation's validated cost, and every error
//! left without a code given one.
//!
//! One extension rather than one per concern: async-graphql sends every field of
//! every response through each extension's `resolve` hook, so each extension costs
//! on every field (an inbox page resolves ~1,300 of them).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    ErrorExtensionValues, Request, Response, ServerError, ServerResult, ValidationResult, Value,
    Variables,
};
use lru::LruCache;

use crate::auth::Auth;
use crate::error::Error;
use crate::persisted::Store;
use crate::ratelimit::{Charge, Limiter};

/// Documents kept parsed, by their text: an application sends the same few operations.
const PARSED_DOCUMENTS: usize = 256;

/// The checks, configured once per schema and shared by every request.
pub struct Checks(Arc<Rules>);

struct Rules {
    max_aliases: usize,
    limiter: Limiter,
    persisted: Option<Store>,
    parsed: Mutex<LruCache<String, ExecutableDocument>>,
}

impl Checks {
    /// At most `max_aliases` aliases per document, `limiter` charged, persisted
    /// queries kept in `persisted`.
    pub fn new(max_aliases: usize, limiter: Limiter, persisted: Option<Store>) -> Checks {
        let capacity = NonZeroUsize::new(PARSED_DOCUMENTS).unwrap_or(NonZeroUsize::MIN);
        Checks(Arc::new(Rules {
            max_aliases,
            limiter,
            persisted,
            parsed: Mutex::new(LruCache::new(capacity)),
        }))
    }
}

impl ExtensionFactory for Checks {
    fn create(&self) -> Arc<dyn Extension> {
        self.0.clone()
    }
}

/// An [`Error`] as the server error async-graphql's hooks return.
fn refused(err: Error) -> ServerError {
    async_graphql::Error::from(err).into_server_error(Default::default())
}

#[async_trait::async_trait]
impl Extension for Rules {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            let extensions = error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default);
            if extensions.get("code").is_none() {
                extensions.set("code", Value::from(code_for(&error.message)));
            }
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = match &self.persisted {
            Some(store) => store.resolve(request).await.map_err(refused)?,
            None => request,
        };
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let cached = self
            .parsed
            .lock()
            .ok()
            .and_then(|mut parsed| parsed.get(query).cloned());
        let document = match cached {
            Some(document) => document,
            None => {
                let document = next.run(ctx, query, variables).await?;
                if !query.is_empty()
                    && let Ok(mut parsed) = self.parsed.lock()
                {
                    parsed.put(query.to_owned(), document.clone());
                }
                document
            }
        };
        crate::limits::check_aliases(&document, self.max_aliases).map_err(refused)?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(Auth(Ok(viewer))) = ctx.data_opt::<Auth>() {
            let charge = ctx.data_opt::<Arc<Charge>>();
            self.limiter
                .charge_operation(&viewer.tenant, result.complexity, charge)
                .map_err(|err| vec![refused(err)])?;
        }
        Ok(result)
    }
}

/// The code of an error async-graphql raised itself: limits it enforces are
/// QUERY_TOO_COMPLEX, everything else (parsing, validation, coercion) is the
/// client's input.
fn code_for(message: &str) -> &'static str {
    let too_complex = [
        "Query is too complex",
        "Query is nested too deep",
        "recursion limit exceeded",
    ];
    if too_complex.iter().any(|m| message.starts_with(m)) {
        "QUERY_TOO_COMPLEX"
    } else {
        "BAD_USER_INPUT"
    }
}
