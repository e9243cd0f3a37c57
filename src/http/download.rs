//! `GET /attachments/{id}?tenant=..&expires=..&signature=..`: a file, to whoever
//! holds a link `Attachment.url` gave out, until the link expires. The signature is
//! the only credential: it names the tenant, the file and the expiry, so a link
//! opens nothing else. The file is streamed from the store as a download that no
//! browser renders in the API's origin.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use entity::attachment;
use futures_util::TryStreamExt;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sea_orm::{ColumnTrait, QueryFilter};
use serde::Deserialize;

use super::AppState;
use super::response::refuse;
use crate::attachments::LinkRefusal;
use crate::db::{all, scoped};
use crate::error::Code;
use crate::ids::{NodeKind, decode_as};

/// What a download link carries besides the attachment's id.
#[derive(Deserialize)]
pub(super) struct Signed {
    tenant: String,
    expires: i64,
    signature: String,
}

/// Serves the file a signed link names: 403 for a link that is not genuine (or not
/// for this file and tenant), 410 for one that expired, 404 for a file deleted
/// since (an anonymized message's).
pub(super) async fn attachment(
    State(app): State<AppState>,
    Path(id): Path<String>,
    signed: Result<Query<Signed>, QueryRejection>,
) -> Response {
    let forbidden = |message: &str| refuse(StatusCode::FORBIDDEN, Code::Forbidden, message);
    let (Ok(Query(signed)), Some(id)) = (signed, decode_as(&id, NodeKind::Attachment)) else {
        return forbidden("this is not a download link: ask `Attachment.url` for one");
    };
    match app
        .attachments
        .check_link(&signed.tenant, id, signed.expires, &signed.signature)
    {
        Ok(()) => {}
        Err(LinkRefusal::Invalid) => {
            return forbidden(
                "the link's signature does not match it: ask `Attachment.url` for a link",
            );
        }
        Err(LinkRefusal::Expired) => {
            let message = "the link has expired: ask `Attachment.url` for a fresh one";
            return refuse(StatusCode::GONE, Code::Forbidden, message);
        }
    }
    let found = all(
        &app.db,
        scoped::<attachment::Entity>(&signed.tenant).filter(attachment::Column::Id.eq(id)),
    )
    .await;
    let row = match found.map(|rows| rows.into_iter().next()) {
        Ok(Some(row)) => row,
        Ok(None) => return deleted(),
        Err(err) => {
            tracing::warn!(%err, "reading an attachment's row failed");
            let message = "the database is unavailable, try again shortly";
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::ServiceUnavailable,
                message,
            );
        }
    };
    let object = match app.attachments.get(&row.storage_key).await {
        Ok(Some(object)) => object,
        Ok(None) => {
            tracing::warn!(
                id = row.id,
                key = row.storage_key,
                "an attachment's object is missing"
            );
            return deleted();
        }
        Err(err) => {
            let code = err.code();
            return refuse(StatusCode::SERVICE_UNAVAILABLE, code, &err.message());
        }
    };
    let body = Body::from_stream(object.into_stream().map_err(std::io::Error::other));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&row.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(CONTENT_TYPE, content_type);
    headers.insert(CONTENT_LENGTH, HeaderValue::from(row.size));
    if let Ok(disposition) = HeaderValue::from_str(&disposition(&row.file_name)) {
        headers.insert(CONTENT_DISPOSITION, disposition);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Opened in a tab anyway, the file runs nothing and loads nothing.
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

fn deleted() -> Response {
    let message = "the attachment no longer exists (it was deleted or anonymized)";
    refuse(StatusCode::NOT_FOUND, Code::NotFound, message)
}

/// What RFC 8187 lets stand unescaped in `filename*` (its `attr-char`).
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` of a download named `name`: always an attachment, with an
/// ASCII `filename` for old clients and the exact name as `filename*` (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let exact = utf8_percent_encode(name, ATTR_CHAR);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disposition_quotes_nothing_it_should_not() {
        assert_eq!(
            disposition("résumé \"final\".pdf"),
            "attachment; filename=\"r_sum_ _final_.pdf\"; \
             filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"
        );
    }
}
