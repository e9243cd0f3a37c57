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
use super::response::{graphql_response, planned_response, refuse};
use super::{AppState, RATE_LIMIT_HEADERS, REQUEST_ID};
use crate::db::{SqlStats, track};
use crate::error::Code;
use crate::graphql::Answer;
use crate::limits::Limits;
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

/// Runs a GraphQL request (or batch) as the pipeline of its steps.
pub(super) async fn execute(
    app: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    batch: BatchRequest,
) -> Response {
    if let Some(refused) = over_limits(&app.limits, &batch) {
        return refused;
    }
    let operations = batch.iter().count();
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let auth = app.accounts.authenticate(&app.jwt, header).await;
    let tenant = auth.0.as_ref().ok().map(|viewer| viewer.tenant.clone());
    let run = Run::new(&batch);
    let mut response = match run_in_turn(app, &run, batch.data(auth)).await {
        None => return timed_out(app, &run),
        Some(Outcome::Planned(body)) => {
            metric(app, &run, "ok");
            planned_response(body, media)
        }
        Some(Outcome::Executed(mut response)) => {
            record(app, &run, &mut response);
            label_errors(&mut response, headers);
            graphql_response(response, media)
        }
    };
    sql_headers(&mut response, &run.stats);
    rate_limit_headers(
        app,
        tenant.as_deref(),
        &run.charge,
        operations,
        &mut response,
    )
    .await;
    response
}

/// What one request accumulates while it runs: its label, its clock, its SQL and
/// its rate-limit charge.
struct Run {
    operation: Option<String>,
    started: std::time::Instant,
    stats: Arc<SqlStats>,
    charge: Arc<Charge>,
}

impl Run {
    fn new(batch: &BatchRequest) -> Run {
        let operation = match batch {
            BatchRequest::Single(one) => operation_label(one),
            BatchRequest::Batch(_) => Some(BATCH.to_owned()),
        };
        Run {
            operation,
            started: std::time::Instant::now(),
            stats: Arc::new(SqlStats::default()),
            charge: Arc::new(Charge::default()),
        }
    }
}

/// The refusal of a request over the batch size, query size or nesting limits,
/// answered with an HTTP status before anything is parsed (nesting is checked again
/// before parsing, for websockets too).
fn over_limits(limits: &Limits, batch: &BatchRequest) -> Option<Response> {
    let bad = |message: &str| Some(refuse(StatusCode::BAD_REQUEST, Code::BadUserInput, message));
    if batch.iter().count() > limits.max_batch {
        return bad(&format!(
            "a batch may hold at most {} operations",
            limits.max_batch
        ));
    }
    if batch.iter().any(|r| r.query.len() > limits.max_query_bytes) {
        return bad(&format!(
            "a query may be at most {} bytes",
            limits.max_query_bytes
        ));
    }
    let nesting = batch
        .iter()
        .try_for_each(|r| crate::limits::check_request(r, limits.max_nesting));
    nesting
        .err()
        .map(|err| refuse(StatusCode::BAD_REQUEST, err.code(), &err.message()))
}

/// What running a request gave.
enum Outcome {
    /// Responses async-graphql built.
    Executed(BatchResponse),
    /// The JSON body of a single query a compiled plan answered.
    Planned(String),
}

/// Executes the batch with its loaders once a turn is free, within the request
/// timeout; `None` when it timed out (dropping the future rolls back any open
/// transaction). A single query goes to its compiled plan, if it has one.
async fn run_in_turn(app: &AppState, run: &Run, batch: BatchRequest) -> Option<Outcome> {
    let (loaders, batches) = loaders(app.db.clone());
    let batch = batch.data(Arc::new(loaders)).data(run.charge.clone());
    let execution = async {
        // The semaphore is never closed, so acquiring only ever waits.
        let _turn = match &app.turns {
            Some(turns) => turns.acquire().await.ok(),
            None => None,
        };
        let answer = async {
            match batch {
                BatchRequest::Single(request) => match app.schema.answer(request).await {
                    Answer::Planned(body) => Outcome::Planned(body),
                    Answer::Executed(response) => {
                        Outcome::Executed(BatchResponse::Single(response))
                    }
                },
                batch => Outcome::Executed(app.schema.execute_batch(batch).await),
            }
        };
        track(run.stats.clone(), batches.run(answer)).await
    };
    let span = tracing::info_span!(
        "graphql",
        operation = run.operation.as_deref().unwrap_or("anonymous"),
        sql_statements = tracing::field::Empty,
    );
    let finished = tokio::time::timeout(app.options.request_timeout, execution)
        .instrument(span.clone())
        .await;
    span.record("sql_statements", run.stats.statements());
    finished.ok()
}

/// Counts a timed-out request and answers 503.
fn timed_out(app: &AppState, run: &Run) -> Response {
    metric(app, run, "timeout");
    let timeout = app.options.request_timeout;
    let message = format!(
        "the request took longer than {timeout:?} and was cancelled; nothing it began was kept"
    );
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        Code::ServiceUnavailable,
        &message,
    )
}

fn responses(response: &mut BatchResponse) -> Vec<&mut async_graphql::Response> {
    match response {
        BatchResponse::Single(one) => vec![one],
        BatchResponse::Batch(many) => many.iter_mut().collect(),
    }
}

/// Counts the request in the metrics by its outcome.
fn record(app: &AppState, run: &Run, response: &mut BatchResponse) {
    let outcome = if run.charge.refused() > 0 {
        "rate_limited"
    } else if responses(response).iter().any(|r| r.is_err()) {
        "error"
    } else {
        "ok"
    };
    metric(app, run, outcome);
}

fn metric(app: &AppState, run: &Run, outcome: &str) {
    let seconds = run.started.elapsed().as_secs_f64();
    let sql = run.stats.micros() as f64 / 1e6;
    let statements = run.stats.statements();
    let operation = run.operation.as_deref();
    app.metrics
        .record(operation, outcome, seconds, statements, sql);
}

/// Gives every error the request's id, so a client's report finds the server's log.
fn label_errors(response: &mut BatchResponse, headers: &HeaderMap) {
    let id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for error in responses(response)
        .into_iter()
        .flat_map(|r| r.errors.iter_mut())
    {
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("requestId", id);
    }
}

/// `x-sql-statements` and `Server-Timing`: what the request cost the database.
fn sql_headers(response: &mut Response, stats: &SqlStats) {
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
}

/// The tenant's budget in `x-ratelimit-*`, `Retry-After` when refused, and 429 when
/// every operation of the request was refused (a batch where some ran keeps its 200).
async fn rate_limit_headers(
    app: &AppState,
    tenant: Option<&str>,
    charge: &Charge,
    operations: usize,
    response: &mut Response,
) {
    let budget = match tenant {
        Some(tenant) => app.limiter.budget(tenant).await,
        None => None,
    };
    let headers = response.headers_mut();
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
        if charge.refused() as usize == operations {
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        }
    }
}

/// Seconds, rounded up: a client that waits this long will not be early.
pub(super) fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}
