//! The HTTP surface: GraphQL over HTTP, GraphiQL, the SDL and health checks.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Variables};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::Router;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message};
use axum::extract::{Query, State};
use axum::http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{Auth, JwtConfig};
use crate::config::HttpOptions;
use crate::db::{SqlStats, track};
use crate::graphql::ParleySchema;
use crate::limits::Limits;
use crate::loader::{connection_loaders, loaders};
use crate::metrics::Metrics;

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
    pub schema: ParleySchema,
    pub db: DatabaseConnection,
    pub jwt: JwtConfig,
    pub graphiql: Arc<GraphiqlDefaults>,
    pub limits: Arc<Limits>,
    pub options: Arc<HttpOptions>,
    pub metrics: Metrics,
}

/// The router of the whole gateway.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .route("/graphql/ws", get(subscriptions))
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if state.options.graphiql {
        router = router.route("/", get(graphiql));
    }
    let request_id = HeaderName::from_static(REQUEST_ID);
    router
        .layer(RequestBodyLimitLayer::new(state.limits.max_body_bytes))
        .layer(cors(&state.options.cors_origins))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// The header that carries a request's id (set when the client sends none).
pub const REQUEST_ID: &str = "x-request-id";

/// Cross-origin access: none unless origins are configured (`*` allows any).
fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers([HeaderName::from_static(REQUEST_ID)]);
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

/// The parameters of a GET request, as GraphQL over HTTP names them.
#[derive(Deserialize)]
struct GetParams {
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
    if !is_query(&request) {
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
    execute(&app, &headers, request.into()).await
}

/// Whether the operation `request` selects is a query (unparsable ones are left to
/// the executor, which reports them).
fn is_query(request: &async_graphql::Request) -> bool {
    let Ok(document) = parse_query(&request.query) else {
        return true;
    };
    let selected = match (&document.operations, &request.operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str()),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    selected.is_none_or(|op| op.node.ty == OperationType::Query)
}

/// Executes a GraphQL request (or batch) for the bearer of the token.
async fn graphql(
    State(app): State<AppState>,
    headers: HeaderMap,
    request: GraphQLBatchRequest,
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
    execute(&app, &headers, request.into_inner()).await
}

/// The operation's name for metrics: the one the client selected, or the name the
/// document's first operation gives itself (read without parsing the document).
fn operation_label(request: &async_graphql::Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
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
            .map(String::from),
        _ => None,
    }
}

/// Runs a batch with the viewer and a fresh loader, reporting its SQL in headers.
async fn execute(app: &AppState, headers: &HeaderMap, batch: BatchRequest) -> Response {
    let limits = &app.limits;
    if batch.iter().count() > limits.max_batch {
        let message = format!("a batch may hold at most {} operations", limits.max_batch);
        return refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
    }
    if batch.iter().any(|r| r.query.len() > limits.max_query_bytes) {
        let message = format!("a query may be at most {} bytes", limits.max_query_bytes);
        return refuse(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message);
    }
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let auth = Auth::from_header(&app.jwt, header);
    let stats = Arc::new(SqlStats::default());
    let (loaders, batches) = loaders(app.db.clone());
    let operation = match &batch {
        BatchRequest::Single(one) => operation_label(one),
        BatchRequest::Batch(_) => Some("batch".to_owned()),
    };
    let started = std::time::Instant::now();
    let batch = batch.data(auth).data(Arc::new(loaders));
    let run = track(stats.clone(), batches.run(app.schema.execute_batch(batch)));
    let timeout = app.options.request_timeout;
    // Timing out drops the request's future, and with it any open transaction: rolled back.
    let Ok(mut response) = tokio::time::timeout(timeout, run).await else {
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
    let outcome = if responses.iter().any(|r| r.is_err()) {
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
    let mut response = GraphQLResponse::from(response).into_response();
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
    response
}

/// Marks a refused `connection_init`, so that its close frame gets the protocol's code.
const REFUSED: &str = "Forbidden: ";

/// Subscriptions over graphql-transport-ws. Browsers cannot set headers on a
/// websocket, so the token comes in the `connection_init` payload as
/// `{"Authorization": "Bearer <token>"}`; a bad one closes the socket with 4403.
async fn subscriptions(
    State(app): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let (sink, stream) = socket.split();
            let sink =
                sink.with(|message| async move { Ok::<_, axum::Error>(protocol_close(message)) });
            let (jwt, db) = (app.jwt.clone(), app.db.clone());
            app.metrics.subscriptions.inc();
            GraphQLWebSocket::new_with_pair(sink, stream, app.schema.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let header = ["Authorization", "authorization"]
                        .iter()
                        .find_map(|k| payload.get(*k)?.as_str());
                    let auth = Auth::from_header(&jwt, header);
                    if let Err(err) = &auth.0 {
                        return Err(async_graphql::Error::new(format!(
                            "{REFUSED}{}",
                            err.message()
                        )));
                    }
                    let mut data = Data::default();
                    data.insert(auth);
                    data.insert(Arc::new(connection_loaders(db)));
                    Ok(data)
                })
                .serve()
                .await;
            app.metrics.subscriptions.dec();
        })
}

/// async-graphql closes a refused `connection_init` with 1002; the protocol says 4403.
fn protocol_close(message: Message) -> Message {
    match message {
        Message::Close(Some(frame)) if frame.code == 1002 && frame.reason.starts_with(REFUSED) => {
            Message::Close(Some(CloseFrame {
                code: 4403,
                reason: frame.reason,
            }))
        }
        other => other,
    }
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

/// The SDL of the running schema.
async fn schema_sdl(State(app): State<AppState>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        app.schema.sdl(),
    )
        .into_response()
}

/// Prometheus metrics.
async fn metrics(State(app): State<AppState>) -> Response {
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
