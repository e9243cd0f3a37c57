//! Parley: a GraphQL gateway over customer conversations, tickets, tags, notes
//! and ratings, for many tenants at once.

pub mod assistant;
pub mod attachments;
pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod limits;
pub mod loader;
pub mod metrics;
pub mod pagination;
pub mod persisted;
pub mod plan;
pub mod ratelimit;
pub mod replicas;
pub mod search;
pub mod seed;
pub mod service;
pub mod telemetry;
pub mod text;
pub mod webhooks;

use std::net::SocketAddr;

use async_graphql::SchemaBuilder;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::graphql::{CheckedSchema, Mutation, Subscription};
use crate::http::AppState;

/// The executable schema over `db` within `limits`, charging `limiter`, with
/// persisted queries kept in `persisted`, live updates from `events`, files in
/// `attachments`, and what `options` set: introspection, the caches, the assistant,
/// webhooks, and whether it is an Apollo Federation subgraph.
pub fn schema(
    db: DatabaseConnection,
    limits: &limits::Limits,
    limiter: ratelimit::Limiter,
    persisted: Option<persisted::Store>,
    events: events::Events,
    attachments: attachments::Attachments,
    options: &config::HttpOptions,
) -> CheckedSchema {
    let caches = &options.caches;
    let writer = db::Writer::for_pool(&db);
    let setup = Setup {
        introspection: options.introspection,
        limits,
        limiter: limiter.clone(),
        events,
        assistant: assistant::Assistant::start(writer.0.clone(), &options.assistant),
        writer,
        db: db.clone(),
        webhooks: options.webhooks.clone(),
        attachments,
    };
    let plans = caches
        .compiled_plans
        .then(|| plan::Plans::new(db, caches.plan_cache_bytes, caches.max_cached_query_bytes));
    let introspection = options.introspection;
    if options.federation {
        let build = || setup.apply(graphql::subgraph_builder());
        CheckedSchema::new(
            build,
            limits,
            limiter,
            persisted,
            caches,
            plans,
            introspection,
        )
    } else {
        let build = || setup.apply(graphql::builder());
        CheckedSchema::new(
            build,
            limits,
            limiter,
            persisted,
            caches,
            plans,
            introspection,
        )
    }
}

/// What every copy of the schema is limited by and holds, whatever its query root.
struct Setup<'a> {
    introspection: bool,
    limits: &'a limits::Limits,
    limiter: ratelimit::Limiter,
    events: events::Events,
    writer: db::Writer,
    db: DatabaseConnection,
    assistant: assistant::Assistant,
    webhooks: config::WebhookOptions,
    attachments: attachments::Attachments,
}

impl Setup<'_> {
    fn apply<Q>(
        &self,
        builder: SchemaBuilder<Q, Mutation, Subscription>,
    ) -> SchemaBuilder<Q, Mutation, Subscription> {
        let builder = if self.introspection {
            builder
        } else {
            builder.disable_introspection()
        };
        builder
            .limit_depth(self.limits.max_depth)
            .limit_complexity(self.limits.max_complexity)
            .data(self.limiter.clone())
            .data(self.events.clone())
            .data(self.writer.clone())
            .data(self.db.clone())
            .data(self.assistant.clone())
            .data(self.webhooks.clone())
            .data(self.attachments.clone())
    }
}

/// Longest shutdown waits for subscriptions to deliver their last events.
const SOCKETS_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A gateway listening on a socket.
pub struct Server {
    listener: TcpListener,
    state: AppState,
}

impl Server {
    /// Binds `addr` (port 0 picks a free one).
    pub async fn bind(addr: SocketAddr, state: AppState) -> std::io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr).await?,
            state,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then stops accepting, answers the requests
    /// in flight (committing or rolling back their writes), lets subscriptions
    /// deliver the events of those writes and closes their sockets; connections and
    /// sockets still open at the shutdown deadline are dropped.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        let deadlines = http::connections::Deadlines {
            header_read: state.options.header_read_timeout,
            shutdown: state.options.shutdown_timeout,
        };
        let interval = state.options.snooze_check_interval;
        let waker = (!interval.is_zero())
            .then(|| tokio::spawn(service::snooze::waker(state.db.clone(), interval)));
        let webhooks = state.options.webhooks.worker.then(|| {
            webhooks::worker::Worker::start(
                state.db.clone(),
                state.events.clone(),
                state.options.webhooks.clone(),
                state.metrics.clone(),
            )
        });
        let app = http::router(self.state);
        let deadline = http::connections::serve(self.listener, app, deadlines, shutdown).await;
        if let Some(waker) = waker {
            waker.abort();
        }
        if let Some(webhooks) = webhooks {
            // The posts in flight are recorded, so that a restarted gateway does not
            // post them again.
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            webhooks.stop(left).await;
        }
        state.events.close();
        state.sockets.close();
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if tokio::time::timeout(SOCKETS_GRACE.min(left), state.sockets.wait())
            .await
            .is_err()
        {
            tracing::warn!("subscriptions did not finish in time; closing them");
        }
        Ok(())
    }
}
