//! GraphQL over POST: one request or a batch, as JSON, or as a multipart request
//! that carries files (see `upload`).

use async_graphql::{BatchRequest, ParseRequestError};
use async_graphql_axum::GraphQLBatchRequest;
use async_graphql_axum::rejection::GraphQLRejection;
use axum::Extension;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;

use super::AppState;
use super::execute::execute;
use super::negotiate::MediaType;
use super::response::refuse;
use super::upload;
use crate::error::Code;

/// Executes a GraphQL request (or batch) for the bearer of the token.
pub(super) async fn graphql(
    State(app): State<AppState>,
    Extension(media): Extension<MediaType>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let multipart = upload::is_multipart(content_type);
    // Held until the answer: the request's files stay in memory that long.
    let mut _receiving = None;
    let parsed = if multipart {
        if let Err(refused) = upload::admit(&app, &headers).await {
            return refused;
        }
        match app.attachments.try_receive() {
            Some(turn) => _receiving = Some(turn),
            None => return upload::busy(),
        }
        upload::receive(&app, content_type, request.into_body()).await
    } else if content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        json(request).await
    } else {
        // A form or text/plain POST is what a cross-site page can send unasked.
        let message = "send the request as `Content-Type: application/json` \
                       (or, with files, as `multipart/form-data` with an `Authorization` header)";
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadUserInput,
            message,
        );
    };
    match parsed {
        // No query and no persisted query hash: nothing to run, whatever the media type.
        Ok(request)
            if request.iter().any(|r| {
                r.query.trim().is_empty() && !r.extensions.0.contains_key("persistedQuery")
            }) =>
        {
            let message = "the request has no `query`";
            refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, message)
        }
        Ok(request) => execute(&app, &headers, media, request).await,
        Err(ParseRequestError::PayloadTooLarge) if multipart => {
            let most = app.attachments.limits().max_file_bytes;
            let message = format!("a file may be at most {most} bytes");
            refuse(StatusCode::PAYLOAD_TOO_LARGE, Code::BadUserInput, &message)
        }
        Err(ParseRequestError::PayloadTooLarge) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::BadUserInput,
            "the request body is too large",
        ),
        Err(err) => {
            let message = format!("the body is not a GraphQL request: {err}");
            refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, &message)
        }
    }
}

/// A JSON body, read as async-graphql-axum reads it.
async fn json(request: Request) -> Result<BatchRequest, ParseRequestError> {
    GraphQLBatchRequest::<GraphQLRejection>::from_request(request, &())
        .await
        .map(GraphQLBatchRequest::into_inner)
        .map_err(|GraphQLRejection(err)| err)
}
