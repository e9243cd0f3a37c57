//! What the edge answers: refusals before the schema runs, and GraphQL responses in
//! the negotiated media type with the status codes of GraphQL over HTTP.

use std::collections::BTreeMap;

use async_graphql::BatchResponse;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::negotiate::MediaType;
use crate::error::Code;

/// A GraphQL error response with an HTTP status, for requests refused before execution.
pub(super) fn refuse(status: StatusCode, code: Code, message: &str) -> Response {
    let code = code.as_str();
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, axum::Json(body)).into_response()
}

/// The HTTP answer for a GraphQL result. As `application/graphql-response+json`, a
/// request that failed before it could run has no `data` and, unless it is part of a
/// batch, the status 400; as `application/json` everything is a 200.
pub(super) fn graphql_response(response: BatchResponse, media: MediaType) -> Response {
    let graphql = media == MediaType::GraphqlResponse;
    let sent = |one| Sent::new(one, graphql);
    let (status, body) = match &response {
        BatchResponse::Single(one) => {
            let status = if graphql && is_request_error(one) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (status, serde_json::to_vec(&sent(one)))
        }
        BatchResponse::Batch(many) => (
            StatusCode::OK,
            serde_json::to_vec(&many.iter().map(sent).collect::<Vec<_>>()),
        ),
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(%err, "a GraphQL response did not serialize");
            let message = "the response could not be encoded";
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::InternalServerError,
                message,
            );
        }
    };
    let mut answer = (status, [(CONTENT_TYPE, media.content_type())], body).into_response();
    answer.headers_mut().extend(response.http_headers());
    answer
}

/// The HTTP answer for the JSON body a compiled plan wrote (always data, no errors),
/// marked `x-parley-plan: compiled` for whoever wonders which path answered.
pub(super) fn planned_response(body: String, media: MediaType) -> Response {
    let headers = [
        (CONTENT_TYPE, media.content_type()),
        (PLAN, HeaderValue::from_static("compiled")),
    ];
    (StatusCode::OK, headers, body).into_response()
}

/// The header that marks an answer of a compiled plan.
const PLAN: HeaderName = HeaderName::from_static("x-parley-plan");

/// One GraphQL result as it is sent (field order kept as the query asked).
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum Sent<'a> {
    Result(&'a async_graphql::Response),
    /// GraphQL over HTTP: a request error has no `data` entry at all.
    RequestError {
        errors: &'a [async_graphql::ServerError],
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        extensions: &'a BTreeMap<String, async_graphql::Value>,
    },
}

impl<'a> Sent<'a> {
    fn new(response: &'a async_graphql::Response, graphql_response: bool) -> Sent<'a> {
        if graphql_response && is_request_error(response) {
            Sent::RequestError {
                errors: &response.errors,
                extensions: &response.extensions,
            }
        } else {
            Sent::Result(response)
        }
    }
}

/// A request error in GraphQL's sense: it never ran (unparsable, invalid, bad
/// variables, over a limit), so there is no data and no error has a path.
pub(super) fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}
