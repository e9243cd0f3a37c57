//! The HTTP surface: GraphQL over HTTP, GraphiQL, the SDL and health checks.

use std::sync::Arc;
use std::time::Duration;

use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{Auth, JwtConfig};
use crate::db::{SqlStats, track};
use crate::graphql::ParleySchema;
use crate::loader::loaders;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1 << 20;

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
}

/// The router of the whole gateway.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route("/", get(graphiql))
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Executes a GraphQL request (or batch) for the bearer of the token.
async fn graphql(
    State(app): State<AppState>,
    headers: HeaderMap,
    request: GraphQLBatchRequest,
) -> Response {
    let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let auth = Auth::from_header(&app.jwt, header);
    let stats = Arc::new(SqlStats::default());
    let (loaders, batches) = loaders(app.db.clone());
    let batch = request.into_inner().data(auth).data(Arc::new(loaders));
    let response = track(stats.clone(), batches.run(app.schema.execute_batch(batch))).await;
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

/// Ready when the database answers.
async fn readyz(State(app): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), app.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}
