//! GraphQL over GET: queries only, from the URL's parameters.

use async_graphql::Variables;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header::ALLOW;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::AppState;
use super::execute::execute;
use super::negotiate::MediaType;
use super::response::refuse;
use crate::error::Code;
use crate::persisted;
use crate::persisted::Store;

/// The parameters of a GET request, as GraphQL over HTTP names them.
#[derive(Deserialize)]
pub(super) struct GetParams {
    /// Empty when a persisted query's hash stands for it.
    #[serde(default)]
    query: String,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// GET runs queries only: a mutation must not ride on a link or an image tag.
pub(super) async fn graphql_get(
    State(app): State<AppState>,
    Extension(media): Extension<MediaType>,
    headers: HeaderMap,
    Query(params): Query<GetParams>,
) -> Response {
    let mut request = async_graphql::Request::new(params.query);
    request.operation_name = params.operation_name;
    for (name, json) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        let Some(json) = json else { continue };
        match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(value) if name == "variables" => request.variables = Variables::from_json(value),
            Ok(value) => request.extensions = serde_json::from_value(value).unwrap_or_default(),
            Err(_) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    Code::BadUserInput,
                    &format!("`{name}` is not valid JSON"),
                );
            }
        }
    }
    // A persisted query is checked as the document its hash names; an unknown hash
    // is refused here, lest it be registered by someone else before it runs.
    let document = match (&app.persisted, persisted::requested_hash(&request)) {
        (Some(store), Some(hash)) if request.query.is_empty() => {
            match store.get(&hash, app.limits.max_nesting).await {
                Some(document) => Some(document),
                None if matches!(store, Store::AllowList(_)) => None,
                None => {
                    let err = crate::error::Error::PersistedQueryNotFound;
                    return refuse(StatusCode::OK, err.code(), &err.message());
                }
            }
        }
        _ => crate::limits::parse_document(&request.query, app.limits.max_nesting).ok(),
    };
    if document.is_some_and(|d| !is_query(&d, request.operation_name.as_deref())) {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::BadUserInput,
            "GET can only run queries; send mutations with POST",
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    execute(&app, &headers, media, request.into()).await
}

/// Whether the operation `name` selects in `document` is a query (documents that
/// select none are left to the executor, which reports them).
pub(super) fn is_query(document: &ExecutableDocument, name: Option<&str>) -> bool {
    let selected = match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    selected.is_none_or(|op| op.node.ty == OperationType::Query)
}
