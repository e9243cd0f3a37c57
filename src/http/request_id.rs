//! The request id a client may send: kept when it is short and plain, replaced
//! otherwise, before it is logged, echoed or put into errors.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use super::REQUEST_ID;

/// Longest request id accepted from a client (a UUID is 36 characters).
pub const MAX_REQUEST_ID: usize = 64;

/// Drops a client's `x-request-id` unless it is a safe one, so that the layer
/// after this one makes a fresh UUID; of several, only the first is considered.
pub async fn keep_safe_id(mut request: Request, next: Next) -> Response {
    let headers = request.headers_mut();
    let safe = headers.get(REQUEST_ID).filter(|id| is_safe(id)).cloned();
    headers.remove(REQUEST_ID);
    if let Some(id) = safe {
        headers.insert(REQUEST_ID, id);
    }
    next.run(request).await
}

/// Whether `id` is 1 to [`MAX_REQUEST_ID`] characters of `[A-Za-z0-9._:-]`: what
/// tracing systems send, and nothing that can forge a log line or bloat one.
fn is_safe(id: &HeaderValue) -> bool {
    let id = id.as_bytes();
    (1..=MAX_REQUEST_ID).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(b))
}
