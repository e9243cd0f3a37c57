//! The HTTP surface: GraphQL over HTTP (content negotiation between
//! `application/graphql-response+json` and `application/json`), GraphiQL, the SDL
//! and health checks.

mod body_deadline;
mod body_limit;
pub mod connections;
mod cors;
mod download;
mod execute;
mod get;
mod graphiql;
mod negotiate;
mod pages;
mod post;
mod request_id;
mod response;
mod sockets;
mod upload;
mod websocket;

use std::sync::Arc;

use axum::http::HeaderName;
use axum::routing::get;
use axum::{Router, middleware};
use sea_orm::DatabaseConnection;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::attachments::{Attachments, LINK_KEY_PURPOSE, ROUTE, default_folder};
use crate::auth::{Accounts, JwtConfig};
use crate::config::HttpOptions;
use crate::events::Events;
use crate::graphql::CheckedSchema;
use crate::limits::Limits;
use crate::metrics::{Metrics, OperationLabels};
use crate::persisted::Store;
use crate::ratelimit::Limiter;
use crate::replicas::Shared;
use body_limit::BodyLimits;
use cors::cors;
use get::graphql_get;
use negotiate::negotiate;
use pages::{metrics, readyz, schema_sdl};
use post::graphql;
use websocket::subscriptions;

pub use sockets::SocketLimits;

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
    /// Where attachments are kept, and their download links.
    pub attachments: Attachments,
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
        let attachments = Attachments::open(
            &options.attachments,
            &default_folder(&db),
            jwt.derive_key(LINK_KEY_PURPOSE),
        )?;
        let schema = crate::schema(
            db.clone(),
            &limits,
            limiter.clone(),
            persisted.clone(),
            events.clone(),
            attachments.clone(),
            &options,
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
            attachments,
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
        .route(&format!("{ROUTE}/{{id}}"), get(download::attachment))
        .route("/schema.graphql", get(schema_sdl))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    if state.options.graphiql {
        router = router
            .route("/", get(graphiql::page))
            .route("/graphiql/{file}", get(graphiql::asset));
    }
    let request_id = HeaderName::from_static(REQUEST_ID);
    let body_time = state.options.body_read_timeout;
    let body_limits = BodyLimits {
        json: state.limits.max_body_bytes,
        upload: state
            .attachments
            .limits()
            .upload_body_bytes(state.limits.max_body_bytes),
    };
    router
        .layer(middleware::from_fn_with_state(
            body_limits,
            body_limit::limit_body_size,
        ))
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
