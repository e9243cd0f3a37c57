//! GraphQL over POST: one request or a batch, as JSON.

use async_graphql::ParseRequestError;
use async_graphql_axum::GraphQLBatchRequest;
use async_graphql_axum::rejection::GraphQLRejection;
use axum::Extension;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::AppState;
use super::execute::execute;
use super::negotiate::MediaType;
use super::response::refuse;
use crate::error::Code;

/// Executes a GraphQL request (or batch) for the bearer of the token.
pub(super) async fn graphql(
    State(app): State<AppState>,
    Extension(media): Extension<MediaType>,
    headers: HeaderMap,
    request: Result<GraphQLBatchRequest, GraphQLRejection>,
) -> Response {
    // JSON only: a form or text/plain POST is what a cross-site page can send unasked.
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        let message = "send the request as `Content-Type: application/json`";
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadUserInput,
            message,
        );
    }
    match request {
        // No query and no persisted query hash: nothing to run, whatever the media type.
        Ok(request)
            if request.0.iter().any(|r| {
                r.query.trim().is_empty() && !r.extensions.0.contains_key("persistedQuery")
            }) =>
        {
            let message = "the request has no `query`";
            refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, message)
        }
        Ok(request) => execute(&app, &headers, media, request.into_inner()).await,
        Err(GraphQLRejection(ParseRequestError::PayloadTooLarge)) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::BadUserInput,
            "the request body is too large",
        ),
        Err(GraphQLRejection(err)) => {
            let message = format!("the body is not a GraphQL request: {err}");
            refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, &message)
        }
    }
}
