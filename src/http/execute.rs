//! The execution pipeline every HTTP request goes through: limits, authentication,
//! rate limit, loaders, the concurrency queue, the timeout, metrics and headers.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{BatchRequest, BatchResponse, Executor};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use tracing::Instrument;

use super::negotiate::MediaType;
use super::response::{graphql_response, refuse};
use super::{AppState, RATE_LIMIT_HEADERS, REQUEST_ID};
use crate::db::{SqlStats, track};
use crate::error::Code;
use crate::loader::loaders;
use crate::metrics::BATCH;
use crate::ratelimit::Charge;

/// The operation's name for metrics and logs: the one the client selected, or the
/// name the document's first operation gives itself (read without parsing the
/// document), cut to a label's length.
pub(super) fn operation_label(request: &async_graphql::Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.chars().take(MAX_LOGGED_NAME).collect());
    }
    let mut words = request
        .query
        .lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(|line| line.split(|c: char| c.is_whitespace() || "{(@".contains(c)))
        .filter(|w| !w.is_empty());
    match words.next()? {
        "query" | "mutation" | "subscription" => words
            .next()
            .filter(|w| w.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .map(|w| w.chars().take(MAX_LOGGED_NAME).collect()),
        _ => None,
    }
}

/// Longest operation name logged: a label is at most 64 bytes, so a longer name
/// counts as `other` in metrics.
pub(super) const MAX_LOGGED_NAME: usize = 65;

/// Runs a batch with the viewer and a fresh loader, reporting its SQL in headers.
pub(super) async fn execute(
    app: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    batch: BatchRequest,
) -> Response {
    let limits = &app.limits;
    let operations = batch.iter().count();
    if operations > limits.max_batch {
        let message = format!("a batch may hold at most {} operations", limits.max_batch);
        return refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, &message);
    }
    if batch.iter().any(|r| r.query.len() > limits.max_query_bytes) {
        let message = format!("a query may be at most {} bytes", limits.max_query_bytes);
        return refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, &message);
    }
    // Checked again before parsing (for websockets too); here for the HTTP status.
    let nesting = batch
        .iter()
        .try_for_each(|r| crate::limits::check_request(r, limits.max_nesting));
    if let Err(err) = nesting {
        return refuse(StatusCode::BAD_REQUEST, err.code(), &err.message());
    }
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let auth = app.accounts.authenticate(&app.jwt, header).await;
    let tenant = auth.0.as_ref().ok().map(|viewer| viewer.tenant.clone());
    let charge = Arc::new(Charge::default());
    let stats = Arc::new(SqlStats::default());
    let (loaders, batches) = loaders(app.db.clone());
    let operation = match &batch {
        BatchRequest::Single(one) => operation_label(one),
        BatchRequest::Batch(_) => Some(BATCH.to_owned()),
    };
    let started = std::time::Instant::now();
    let batch = batch
        .data(auth)
        .data(Arc::new(loaders))
        .data(charge.clone());
    let run = async {
        // The semaphore is never closed, so acquiring only ever waits.
        let _turn = match &app.turns {
            Some(turns) => turns.acquire().await.ok(),
            None => None,
        };
        track(stats.clone(), batches.run(app.schema.execute_batch(batch))).await
    };
    let timeout = app.options.request_timeout;
    let span = tracing::info_span!(
        "graphql",
        operation = operation.as_deref().unwrap_or("anonymous"),
        sql_statements = tracing::field::Empty,
    );
    // Timing out drops the request's future, and with it any open transaction: rolled back.
    let finished = tokio::time::timeout(timeout, run)
        .instrument(span.clone())
        .await;
    span.record("sql_statements", stats.statements());
    let Ok(mut response) = finished else {
        let sql = stats.micros() as f64 / 1e6;
        let seconds = started.elapsed().as_secs_f64();
        app.metrics.record(
            operation.as_deref(),
            "timeout",
            seconds,
            stats.statements(),
            sql,
        );
        let message = format!(
            "the request took longer than {timeout:?} and was cancelled; nothing it began was kept"
        );
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::ServiceUnavailable,
            &message,
        );
    };
    let id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let responses: Vec<&mut async_graphql::Response> = match &mut response {
        BatchResponse::Single(one) => vec![one],
        BatchResponse::Batch(many) => many.iter_mut().collect(),
    };
    let outcome = if charge.refused() > 0 {
        "rate_limited"
    } else if responses.iter().any(|r| r.is_err()) {
        "error"
    } else {
        "ok"
    };
    let (seconds, sql) = (started.elapsed().as_secs_f64(), stats.micros() as f64 / 1e6);
    app.metrics.record(
        operation.as_deref(),
        outcome,
        seconds,
        stats.statements(),
        sql,
    );
    for error in responses.into_iter().flat_map(|r| r.errors.iter_mut()) {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("requestId", id);
    }
    let mut response = graphql_response(response, media);
    let timing = format!(
        "sql;desc=\"{} statements\";dur={:.3}",
        stats.statements(),
        stats.micros() as f64 / 1000.0
    );
    let headers = response.headers_mut();
    headers.insert("x-sql-statements", HeaderValue::from(stats.statements()));
    if let Ok(value) = HeaderValue::from_str(&timing) {
        headers.insert("server-timing", value);
    }
    let budget = match tenant {
        Some(tenant) => app.limiter.budget(&tenant).await,
        None => None,
    };
    if let Some(budget) = budget {
        let values = [
            u64::from(budget.limit),
            u64::from(budget.remaining),
            whole_seconds(budget.reset),
            charge.cost(),
        ];
        for (name, value) in RATE_LIMIT_HEADERS.into_iter().zip(values) {
            headers.insert(name, HeaderValue::from(value));
        }
    }
    if charge.refused() > 0 {
        if let Some(wait) = charge.retry_after() {
            headers.insert(RETRY_AFTER, HeaderValue::from(whole_seconds(wait)));
        }
        // A batch where some operations ran keeps its 200.
        if charge.refused() as usize == operations {
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        }
    }
    response
}

/// Seconds, rounded up: a client that waits this long will not be early.
pub(super) fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}
