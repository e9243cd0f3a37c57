//! GraphQL multipart requests (the GraphQL multipart request spec: `operations`,
//! `map` and the files), read by async-graphql's parser within the attachments'
//! limits, once the request has shown it is no cross-site form post.
//!
//! Any page can make a browser POST `multipart/form-data` to any site without
//! asking first (an HTML form does), which is why `/graphql` takes JSON only. A
//! multipart request is therefore read only when it carries `Authorization`: a
//! header no form can set, and one that makes a browser ask the server first (a
//! CORS preflight, which only the configured origins pass). Apollo Server asks for a
//! header of its own (`Apollo-Require-Preflight`) for the same reason; attaching a
//! file needs a writer's token anyway, so Parley asks for the token and checks it
//! before reading the body: no anonymous client makes it buffer megabytes of files
//! it would refuse.

use async_graphql::http::MultipartOptions;
use async_graphql::{BatchRequest, ParseRequestError};
use axum::body::Body;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures_util::TryStreamExt;
use tokio_util::compat::TokioAsyncReadCompatExt;

use super::AppState;
use super::response::refuse;
use crate::auth::{Auth, Scope};
use crate::error::Code;

/// Whether a `Content-Type` is `multipart/form-data`.
pub fn is_multipart(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
}

/// Refuses a multipart request that does not carry the credentials of a writer,
/// before its body is read.
pub(super) async fn admit(app: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let Some(header) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        let message = "a multipart/form-data request must carry an `Authorization` header \
                       (which also makes browsers ask first with a CORS preflight)";
        return Err(refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, message));
    };
    let Auth(auth) = app.accounts.authenticate(&app.jwt, Some(header)).await;
    let refused = match auth {
        Ok(viewer) => match viewer.require(Scope::ConversationWrite) {
            Ok(_) => return Ok(()),
            Err(err) => (StatusCode::FORBIDDEN, err),
        },
        Err(err) => (StatusCode::UNAUTHORIZED, err),
    };
    let (status, err) = refused;
    Err(refuse(status, err.code(), &err.message()))
}

/// The answer when `--attachments-max-concurrent-uploads` multipart requests are
/// being read already.
pub(super) fn busy() -> Response {
    let message = "as many requests with files as this server holds at once are being \
                   received; retry in a moment";
    let mut refused = refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        Code::ServiceUnavailable,
        message,
    );
    refused
        .headers_mut()
        .insert(RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
    refused
}

/// The request (or batch) of a multipart body, its files held in memory: each at
/// most `--attachments-max-file-bytes`, all of them within the body limit of a
/// request with files (`body_limit`), which leaves room for `--attachments-max-files`
/// of them. (`MultipartOptions::max_num_files` is not set: async-graphql makes it a
/// cap of `max_num_files` times the file size on the whole stream, operations and
/// part headers included, which a request of as many files of the largest size
/// would pass.)
pub(super) async fn receive(
    app: &AppState,
    content_type: &str,
    body: Body,
) -> Result<BatchRequest, ParseRequestError> {
    let limits = app.attachments.limits();
    let options = MultipartOptions::default().max_file_size(limits.max_file_bytes);
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream).compat();
    async_graphql::http::receive_batch_body(Some(content_type), reader, options).await
}
