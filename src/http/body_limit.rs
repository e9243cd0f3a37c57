//! The largest body a request may send: `--max-body-bytes` for JSON, and for a
//! multipart upload to `/graphql` room for its files besides (`--attachments-*`).
//! A body declared larger is answered 413 before it is read; one that grows past
//! its limit while streaming fails as it is read (what tower-http's
//! `RequestBodyLimitLayer` does, with the limit chosen per request).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::response::refuse;
use crate::error::Code;

/// The body limits, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Any request but an upload.
    pub json: usize,
    /// A `multipart/form-data` POST to `/graphql`.
    pub upload: usize,
}

/// Whether `request` is a multipart POST to `/graphql`: the one kind of request
/// that carries files.
pub fn is_upload(request: &Request) -> bool {
    request.method() == Method::POST
        && request.uri().path() == "/graphql"
        && request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(super::upload::is_multipart)
}

/// Bounds the request's body by its kind's limit.
pub async fn limit_body_size(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    let upload = is_upload(&request);
    let limit = if upload { limits.upload } else { limits.json };
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    let limit = match declared {
        Some(length) if length > limit && upload => {
            let message = format!("a request with files may send at most {limit} bytes");
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, Code::BadUserInput, &message);
        }
        Some(length) if length > limit => return too_large(),
        Some(length) => length.min(limit),
        None => limit,
    };
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// tower-http's answer to a body over its limit, kept as it was for JSON.
fn too_large() -> Response {
    let mut response = (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
