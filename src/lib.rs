//! Parley: a GraphQL gateway over customer conversations, tickets, tags, notes
//! and ratings, for many tenants at once.

pub mod auth;
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
pub mod search;
pub mod seed;
pub mod service;
pub mod text;

use std::net::SocketAddr;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::graphql::ParleySchema;
use crate::http::AppState;

/// The executable schema over `db` within `limits`, with live updates from the
/// database (needs a Tokio runtime).
pub fn schema(
    db: DatabaseConnection,
    limits: &limits::Limits,
    introspection: bool,
) -> ParleySchema {
    let builder = if introspection {
        graphql::builder()
    } else {
        graphql::builder().disable_introspection()
    };
    builder
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .extension(limits::AliasLimit(limits.max_aliases))
        .data(events::Events::start(db.clone()))
        .data(db)
        .finish()
}

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

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, http::router(self.state))
            .with_graceful_shutdown(shutdown)
            .await
    }
}
