//! Cross-origin access for browser apps on other origins.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::{RATE_LIMIT_HEADERS, REQUEST_ID};

/// Cross-origin access: none unless origins are configured (`*` allows any).
pub(super) fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers(
            [REQUEST_ID, RETRY_AFTER.as_str()]
                .into_iter()
                .chain(RATE_LIMIT_HEADERS)
                .map(HeaderName::from_static)
                .collect::<Vec<_>>(),
        );
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(AllowOrigin::any())
    } else {
        layer.allow_origin(AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim()).ok()),
        ))
    }
}
