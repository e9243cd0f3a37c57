//! Content negotiation: `application/graphql-response+json` or `application/json`,
//! by the client's `Accept` header.

use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::response::refuse;
use crate::error::Code;

/// `application/graphql-response+json`, the media type of GraphQL over HTTP.
pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// What a GraphQL response is sent as, chosen from the request's `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: GraphQL over HTTP's status codes, so a
    /// request that cannot run (unparsable, invalid, bad variables) is a 400 with no `data`.
    GraphqlResponse,
    /// `application/json`, for legacy clients: every GraphQL result is a 200.
    Json,
}

impl MediaType {
    /// The type `Accept` prefers: `application/graphql-response+json` when named with
    /// at least the weight of `application/json`, `application/json` when named, matched
    /// by a wildcard or when there is no `Accept`; None when neither is acceptable.
    pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
        let accept: Vec<&str> = headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let accept = accept.join(",");
        if accept.trim().is_empty() {
            return Some(MediaType::Json);
        }
        let (graphql, named) = weight(&accept, GRAPHQL_RESPONSE_JSON);
        let (json, _) = weight(&accept, "application/json");
        if named && graphql > 0.0 && graphql >= json {
            Some(MediaType::GraphqlResponse)
        } else if json > 0.0 {
            Some(MediaType::Json)
        } else if graphql > 0.0 {
            Some(MediaType::GraphqlResponse)
        } else {
            None
        }
    }

    /// The `Content-Type` of a response of this type.
    pub(super) fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// The weight (`q`) an `Accept` header gives `media_type` through its most specific
/// matching range, and whether that range names the type itself.
pub(super) fn weight(accept: &str, media_type: &str) -> (f32, bool) {
    let (kind, _) = media_type.split_once('/').unwrap_or((media_type, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let specificity = if name == media_type {
            2
        } else if name == format!("{kind}/*") {
            1
        } else if name == "*/*" {
            0
        } else {
            continue;
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or((0.0, false), |(s, q)| (q, s == 2))
}

/// Answers 406 to a request that accepts no JSON, hands the negotiated media type to
/// the handler, and labels every JSON answer of `/graphql` with it.
pub(super) async fn negotiate(mut request: axum::extract::Request, next: Next) -> Response {
    let Some(media) = MediaType::negotiate(request.headers()) else {
        let message = format!("accept `{GRAPHQL_RESPONSE_JSON}` or `application/json`");
        return refuse(StatusCode::NOT_ACCEPTABLE, Code::BadUserInput, &message);
    };
    request.extensions_mut().insert(media);
    let mut response = next.run(request).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with(GRAPHQL_RESPONSE_JSON));
    if is_json {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, media.content_type());
    }
    response
}
