//! The pages beside the API: the SDL, metrics and health checks (GraphiQL has its
//! own module).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// The SDL of the running schema; not found when introspection is off, since the SDL
/// tells everything introspection would.
pub(super) async fn schema_sdl(State(app): State<AppState>) -> Response {
    if !app.options.introspection {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    (
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        app.schema.sdl(),
    )
        .into_response()
}

/// Prometheus metrics.
pub(super) async fn metrics(State(app): State<AppState>) -> Response {
    let metrics = &app.metrics;
    metrics.set_cache_bytes("parsed_documents", app.schema.parsed_bytes());
    if let Some(store) = &app.persisted {
        metrics.set_cache_bytes("persisted_queries", store.bytes());
    }
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(&app.db),
    )
        .into_response()
}

/// Ready when the database answers.
pub(super) async fn readyz(State(app): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), app.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}
