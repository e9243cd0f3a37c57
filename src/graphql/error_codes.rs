//! Every error a client sees carries `extensions.code`: errors from resolvers set
//! their own; the rest come from parsing, validating or coercing the client's
//! request, so they are BAD_USER_INPUT (but for an unknown persisted query's hash,
//! which Apollo clients recognise by PERSISTED_QUERY_NOT_FOUND).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest};
use async_graphql::{ErrorExtensionValues, Response, Value};

/// Registers [`CodeEveryError`] on a schema.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CodeEveryError)
    }
}

struct CodeEveryError;

#[async_trait::async_trait]
impl Extension for CodeEveryError {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            let extensions = error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default);
            if extensions.get("code").is_none() {
                let too_complex = [
                    "Query is too complex",
                    "Query is nested too deep",
                    "recursion limit exceeded",
                ]
                .iter()
                .any(|m| error.message.starts_with(m));
                let code = if too_complex {
                    "QUERY_TOO_COMPLEX"
                } else if error.message == crate::persisted::NOT_FOUND {
                    "PERSISTED_QUERY_NOT_FOUND"
                } else {
                    "BAD_USER_INPUT"
                };
                extensions.set("code", Value::from(code));
            }
        }
        response
    }
}
