//! The HTTP surface: GraphQL over HTTP (content negotiation between
//! `application/graphql-response+json` and `application/json`), GraphiQL, the SDL
//! and health checks.

mod body_deadline;
pub mod connections;
mod request_id;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Executor, ParseRequestError, Variables};
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLBatchRequest, GraphQLProtocol, GraphQLWebSocket};
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::{SinkExt, StreamExt};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Instrument;

use crate::auth::{Accounts, JwtConfig};
use crate::config::HttpOptions;
use crate::db::{SqlStats, track};
use crate::events::{Events, LAST_EVENT_WAIT};
use crate::graphql::CheckedSchema;
use crate::limits::Limits;
use crate::loader::{connection_loaders, loaders};
use crate::metrics::{BATCH, Metrics, OperationLabels};
use crate::persisted::{self, Store};
use crate::ratelimit::{Charge, Limiter};
use crate::replicas::Shared;

mod sockets;

pub use sockets::SocketLimits;
use sockets::{Handshake, SocketExecutor};

/// What GraphiQL is prefilled with.
#[derive(Debug, Clone, Default)]
pub struct GraphiqlDefaults {
    /// An `Authorization` header value.
    pub authorization: Option<String>,
    /// The query shown on first load.
    pub query: Option<String>,
}

/// Shared state of all routes.
#[derive(Clone)]
pub struct AppState {
    pub schema: CheckedSchema,
    pub db: DatabaseConnection,
    pub jwt: JwtConfig,
    /// Which tenants and agents tokens may name (see [`Accounts`]).
    pub accounts: Accounts,
    pub graphiql: Arc<GraphiqlDefaults>,
    pub limits: Arc<Limits>,
    pub options: Arc<HttpOptions>,
    pub metrics: Metrics,
    pub limiter: Limiter,
    /// Turns to execute a GraphQL request (see `HttpOptions::max_concurrent_requests`).
    pub turns: Option<Arc<Semaphore>>,
    pub persisted: Option<Store>,
    /// The feed of subscriptions, closed when the server shuts down.
    pub events: Events,
    /// The open websockets, which shutdown waits for.
    pub sockets: TaskTracker,
    /// The websockets open per agent and per tenant.
    pub socket_limits: Arc<SocketLimits>,
}

impl AppState {
    /// Everything the routes share, the schema built for `limits` and `options`.
    pub fn new(
        db: DatabaseConnection,
        jwt: JwtConfig,
        limits: Limits,
        options: HttpOptions,
        graphiql: GraphiqlDefaults,
    ) -> anyhow::Result<AppState> {
        let shared = Shared::connect(&options.redis)?;
        let limiter = Limiter::new(limits.rate_limit, shared.clone());
        let persisted = match &options.allowed_operations {
            Some(path) => Some(Store::allow_list(path, limits.max_nesting)?),
            None => Store::automatic(&options, shared),
        };
        let events = Events::start(db.clone());
        let accounts = Accounts::new(db.clone(), options.auth_cache_ttl, options.auth_cache_size);
        let schema = crate::schema(
            db.clone(),
            &limits,
            options.introspection,
            limiter.clone(),
            persisted.clone(),
            events.clone(),
            &options.caches,
        );
        let turns = options
            .concurrent_requests()
            .map(|n| Arc::new(Semaphore::new(n)));
        let operations = match persisted.as_ref().and_then(Store::operation_names) {
            Some(names) => OperationLabels::listed(names),
            None => OperationLabels::first_seen(options.max_operation_labels),
        };
        let socket_limits = SocketLimits::new(&options.sockets);
        Ok(AppState {
            schema,
            db,
            jwt,
            accounts,
            graphiql: Arc::new(graphiql),
            limits: Arc::new(limits),
            options: Arc::new(options),
            metrics: Metrics::labelled(operations),
            limiter,
            turns,
            persisted,
            events,
            sockets: TaskTracker::new(),
            socket_limits,
        })
    }
}

/// The router of the whole gateway.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route(
            "/graphql",
            get(graphql_get)
                .post(graphql)
                .layer(middleware::from_fn(negotiate)),
        )
        .route("/graphql/ws", get(subscriptions))
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if state.options.graphiql {
        router = router.route("/", get(graphiql));
    }
    let request_id = HeaderName::from_static(REQUEST_ID);
    let body_time = state.options.body_read_timeout;
    router
        .layer(RequestBodyLimitLayer::new(state.limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            body_time,
            body_deadline::limit_body_time,
        ))
        .layer(cors(&state.options.cors_origins))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(middleware::from_fn(request_id::keep_safe_id))
        .with_state(state)
}

/// The header that carries a request's id (set when the client sends none or an
/// unsafe one).
pub const REQUEST_ID: &str = "x-request-id";

/// The tenant's budget (points per minute), what is left, seconds until it is
/// full again, and what this request cost.
const RATE_LIMIT_HEADERS: [&str; 4] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-cost",
];

/// Cross-origin access: none unless origins are configured (`*` allows any).
fn cors(origins: &[String]) -> CorsLayer {
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

/// `application/graphql-response+json`, the media type of GraphQL over HTTP.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

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
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// The weight (`q`) an `Accept` header gives `media_type` through its most specific
/// matching range, and whether that range names the type itself.
fn weight(accept: &str, media_type: &str) -> (f32, bool) {
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
async fn negotiate(mut request: axum::extract::Request, next: Next) -> Response {
    let Some(media) = MediaType::negotiate(request.headers()) else {
        let message = format!("accept `{GRAPHQL_RESPONSE_JSON}` or `application/json`");
        return refuse(StatusCode::NOT_ACCEPTABLE, "BAD_USER_INPUT", &message);
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

/// The parameters of a GET request, as GraphQL over HTTP names them.
#[derive(Deserialize)]
struct GetParams {
    /// Empty when a persisted query's hash stands for it.
    #[serde(default)]
    query: String,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// A GraphQL error response with an HTTP status, for requests refused before execution.
fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, axum::Json(body)).into_response()
}

/// GET runs queries only: a mutation must not ride on a link or an image tag.
async fn graphql_get(
    State(app): State<AppState>,
    Extension(media): Extension<MediaType>,
    headers: HeaderMap,
    Query(params): Query<GetParams>,
) -> Response {
    let mut request = async_graphql::Request::new(params.query);
    request.operation_name = params.operation_name;
    for (name, json) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        let Some(json) = json else { continue };
        match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(value) if name == "variables" => request.variables = Variables::from_json(value),
            Ok(value) => request.extensions = serde_json::from_value(value).unwrap_or_default(),
            Err(_) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "BAD_USER_INPUT",
                    &format!("`{name}` is not valid JSON"),
                );
            }
        }
    }
    // A persisted query is checked as the document its hash names; an unknown hash
    // is refused here, lest it be registered by someone else before it runs.
    let document = match (&app.persisted, persisted::requested_hash(&request)) {
        (Some(store), Some(hash)) if request.query.is_empty() => {
            match store.get(&hash, app.limits.max_nesting).await {
                Some(document) => Some(document),
                None if matches!(store, Store::AllowList(_)) => None,
                None => {
                    let err = crate::error::Error::PersistedQueryNotFound;
                    return refuse(StatusCode::OK, err.code(), &err.message());
                }
            }
        }
        _ => crate::limits::parse_document(&request.query, app.limits.max_nesting).ok(),
    };
    if document.is_some_and(|d| !is_query(&d, request.operation_name.as_deref())) {
        let mut response = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_USER_INPUT",
            "GET can only run queries; send mutations with POST",
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    execute(&app, &headers, media, request.into()).await
}

/// Whether the operation `name` selects in `document` is a query (documents that
/// select none are left to the executor, which reports them).
fn is_query(document: &ExecutableDocument, name: Option<&str>) -> bool {
    let selected = match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    selected.is_none_or(|op| op.node.ty == OperationType::Query)
}

/// Executes a GraphQL request (or batch) for the bearer of the token.
async fn graphql(
    State(app): State<AppState>,
    Extension(media): Extension<MediaType>,
    headers: HeaderMap,
    request: Result<GraphQLBatchRequest, GraphQLRejection>,
) -> Response {
    // JSON only: a form or text/plain POST is what a cross-site page can send unasked.
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        let message = "send the request as `Content-Type: application/json`";
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            message,
        );
    }
    match request {
        // No query and no persisted query hash: nothing to run, whatever the media type.
        Ok(request)
            if request.0.iter().any(|r| {
                r.query.trim().is_empty() && !r.extensions.0.contains_key("persistedQuery")
            }) =>
        {
            let message = "the request has no `query`";
            refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message)
        }
        Ok(request) => execute(&app, &headers, media, request.into_inner()).await,
        Err(GraphQLRejection(ParseRequestError::PayloadTooLarge)) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            "the request body is too large",
        ),
        Err(GraphQLRejection(err)) => {
            let message = format!("the body is not a GraphQL request: {err}");
            refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message)
        }
    }
}

/// The operation's name for metrics and logs: the one the client selected, or the
/// name the document's first operation gives itself (read without parsing the
/// document), cut to a label's length.
fn operation_label(request: &async_graphql::Request) -> Option<String> {
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
const MAX_LOGGED_NAME: usize = 65;

/// Runs a batch with the viewer and a fresh loader, reporting its SQL in headers.
async fn execute(
    app: &AppState,
    headers: &HeaderMap,
    media: MediaType,
    batch: BatchRequest,
) -> Response {
    let limits = &app.limits;
    let operations = batch.iter().count();
    if operations > limits.max_batch {
        let message = format!("a batch may hold at most {} operations", limits.max_batch);
        return refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
    }
    if batch.iter().any(|r| r.query.len() > limits.max_query_bytes) {
        let message = format!("a query may be at most {} bytes", limits.max_query_bytes);
        return refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
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
            "SERVICE_UNAVAILABLE",
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
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// The HTTP answer for a GraphQL result. As `application/graphql-response+json`, a
/// request that failed before it could run has no `data` and, unless it is part of a
/// batch, the status 400; as `application/json` everything is a 200.
fn graphql_response(response: BatchResponse, media: MediaType) -> Response {
    let graphql = media == MediaType::GraphqlResponse;
    let sent = |one| Sent::new(one, graphql);
    let (status, body) = match &response {
        BatchResponse::Single(one) => {
            let status = if graphql && is_request_error(one) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (status, serde_json::to_vec(&sent(one)))
        }
        BatchResponse::Batch(many) => (
            StatusCode::OK,
            serde_json::to_vec(&many.iter().map(sent).collect::<Vec<_>>()),
        ),
    };
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(%err, "a GraphQL response did not serialize");
            let message = "the response could not be encoded";
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                message,
            );
        }
    };
    let mut answer = (status, [(CONTENT_TYPE, media.content_type())], body).into_response();
    answer.headers_mut().extend(response.http_headers());
    answer
}

/// One GraphQL result as it is sent (field order kept as the query asked).
#[derive(Serialize)]
#[serde(untagged)]
enum Sent<'a> {
    Result(&'a async_graphql::Response),
    /// GraphQL over HTTP: a request error has no `data` entry at all.
    RequestError {
        errors: &'a [async_graphql::ServerError],
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        extensions: &'a BTreeMap<String, async_graphql::Value>,
    },
}

impl<'a> Sent<'a> {
    fn new(response: &'a async_graphql::Response, graphql_response: bool) -> Sent<'a> {
        if graphql_response && is_request_error(response) {
            Sent::RequestError {
                errors: &response.errors,
                extensions: &response.extensions,
            }
        } else {
            Sent::Result(response)
        }
    }
}

/// A request error in GraphQL's sense: it never ran (unparsable, invalid, bad
/// variables, over a limit), so there is no data and no error has a path.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Marks a refused `connection_init`, so that its close frame gets the protocol's code.
const REFUSED: &str = "Forbidden: ";
/// Marks a `connection_init` over a socket limit, closed with 4429.
const TOO_MANY: &str = "Too many sockets: ";

/// Subscriptions over graphql-transport-ws. Browsers cannot set headers on a
/// websocket, so the token comes in the `connection_init` payload as
/// `{"Authorization": "Bearer <token>"}`; a bad one closes the socket with 4403, one
/// whose agent or tenant holds too many sockets with 4429, and a socket that sends
/// no `connection_init` in time is closed with 4408.
async fn subscriptions(
    State(app): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let sockets = app.sockets.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            sockets.track_future(async move {
                let (mut sink, stream) = socket.split();
                // On shutdown, subscriptions get a moment to deliver their last events
                // and complete; then the socket closes with 1001 (going away).
                let closing = app.events.closing();
                let stream = stream.take_until(async move {
                    closing.await;
                    tokio::time::sleep(LAST_EVENT_WAIT * 3).await;
                });
                let (jwt, db, accounts) = (app.jwt.clone(), app.db.clone(), app.accounts.clone());
                let (limits, handshake) = (app.socket_limits.clone(), Handshake::default());
                app.metrics.subscriptions.inc();
                let messages = (&mut sink)
                    .with(|message| async move { Ok::<_, axum::Error>(protocol_close(message)) });
                let executor = SocketExecutor::new(app.schema.clone(), &app.options.sockets);
                let session = GraphQLWebSocket::new_with_pair(messages, stream, executor, protocol)
                    .on_connection_init({
                        let handshake = handshake.clone();
                        move |payload| async move {
                            handshake.started();
                            let header = ["Authorization", "authorization"]
                                .iter()
                                .find_map(|k| payload.get(*k)?.as_str());
                            let auth = accounts.authenticate(&jwt, header).await;
                            let viewer = match &auth.0 {
                                Ok(viewer) => viewer,
                                Err(err) => {
                                    return Err(async_graphql::Error::new(format!(
                                        "{REFUSED}{}",
                                        err.message()
                                    )));
                                }
                            };
                            handshake.admit(&limits, viewer).map_err(|why| {
                                async_graphql::Error::new(format!("{TOO_MANY}{why}"))
                            })?;
                            let mut data = Data::default();
                            data.insert(auth);
                            data.insert(Arc::new(connection_loaders(db)));
                            Ok(data)
                        }
                    })
                    .serve();
                let timeout = app.options.sockets.socket_init_timeout;
                let close = if handshake.within(timeout, session).await {
                    // Shutting down: the socket goes away with the server.
                    app.sockets.is_closed().then(|| CloseFrame {
                        code: 1001,
                        reason: "the server is shutting down".into(),
                    })
                } else {
                    Some(CloseFrame {
                        code: sockets::INIT_TIMEOUT,
                        reason: "Connection initialisation timeout".into(),
                    })
                };
                app.metrics.subscriptions.dec();
                if let Some(frame) = close {
                    let _ = sink.send(Message::Close(Some(frame))).await;
                }
                // The handshake's admission goes with it: the socket no longer counts.
                drop(handshake);
            })
        })
}

/// The close codes of graphql-transport-ws where async-graphql has its own: a refused
/// `connection_init` is 4403 (not 1002), one over a socket limit 4429, and an
/// operation before `connection_ack` 4401 (not 1011). A reason is cut to fit a close
/// frame (123 bytes).
fn protocol_close(message: Message) -> Message {
    let Message::Close(Some(frame)) = message else {
        return message;
    };
    let code = match frame.code {
        1002 if frame.reason.starts_with(REFUSED) => 4403,
        1002 if frame.reason.starts_with(TOO_MANY) => sockets::TOO_MANY_REQUESTS,
        1011 if frame.reason.starts_with("The handshake is not completed") => 4401,
        code => code,
    };
    let mut end = frame.reason.len().min(123);
    while !frame.reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: frame.reason.as_str()[..end].into(),
    }))
}

/// GraphiQL, prefilled in demo mode.
async fn graphiql(State(app): State<AppState>) -> Html<String> {
    let mut config = json!({ "endpoint": "/graphql", "subscriptionEndpoint": "/graphql/ws" });
    if let Some(auth) = &app.graphiql.authorization {
        config["headers"] = json!({ "Authorization": auth });
    }
    if let Some(query) = &app.graphiql.query {
        config["query"] = json!(query);
    }
    // `<` escaped so the JSON cannot close the script element it sits in.
    let config = config.to_string().replace('<', "\\u003c");
    Html(include_str!("graphiql.html").replace("__PARLEY_CONFIG__", &config))
}

/// The SDL of the running schema; not found when introspection is off, since the SDL
/// tells everything introspection would.
async fn schema_sdl(State(app): State<AppState>) -> Response {
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
async fn metrics(State(app): State<AppState>) -> Response {
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
async fn readyz(State(app): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), app.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}
