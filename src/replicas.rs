//! What the replicas of one deployment share through Redis (`--redis-url`): the
//! tenants' rate-limit buckets and the automatically persisted queries. Without
//! Redis each process keeps its own, so N replicas grant N times a tenant's budget.
//!
//! Redis is a help, never a dependency of answering: every command has a short
//! timeout, and when one fails (unreachable, timed out) the request goes on as
//! without Redis and Redis is left alone for a moment, so an outage costs each
//! replica at most one timeout per [`REST`] rather than one per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use redis::RedisResult;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::RedisOptions;

/// How long Redis is left alone after a command failed.
pub const REST: Duration = Duration::from_secs(1);

/// How often at most a failing Redis is logged.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// A connection to the Redis the replicas share; cheap to clone.
#[derive(Clone)]
pub struct Shared(Arc<Inner>);

struct Inner {
    connection: ConnectionManager,
    prefix: String,
    timeout: Duration,
    /// When this process started, the origin of the two instants below.
    epoch: Instant,
    /// Until when (ms after `epoch`) Redis is skipped, after a failure.
    resting_until: AtomicU64,
    /// When a failure was last logged (ms after `epoch`, 0: never).
    warned_at: AtomicU64,
}

impl Shared {
    /// The Redis `options` name, if any. The connection is made on first use and
    /// remade after a failure, so a Redis that is down when the server starts
    /// only delays sharing; a malformed URL stops the server from starting.
    pub fn connect(options: &RedisOptions) -> anyhow::Result<Option<Shared>> {
        let Some(url) = options.redis_url.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let client = redis::Client::open(url).context("--redis-url is not a Redis URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.redis_timeout))
            .set_response_timeout(Some(options.redis_timeout))
            .set_number_of_retries(1)
            .set_max_delay(REST);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .context("cannot set up the Redis connection")?;
        Ok(Some(Shared(Arc::new(Inner {
            connection,
            prefix: options.redis_prefix.clone(),
            timeout: options.redis_timeout,
            epoch: Instant::now(),
            resting_until: AtomicU64::new(0),
            warned_at: AtomicU64::new(0),
        }))))
    }

    /// The key of `id` among things of `kind`, under the deployment's prefix.
    pub fn key(&self, kind: &str, id: &str) -> String {
        format!("{}{kind}:{id}", self.0.prefix)
    }

    /// Runs `command` on the shared connection within the timeout: its result, or
    /// None when Redis failed or is resting after a failure (`what` names the
    /// command in the log).
    pub async fn run<T, F, Fut>(&self, what: &'static str, command: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let inner = &self.0;
        let now = inner.millis();
        if now < inner.resting_until.load(Ordering::Relaxed) {
            return None;
        }
        let error =
            match tokio::time::timeout(inner.timeout, command(inner.connection.clone())).await {
                Ok(Ok(value)) => return Some(value),
                Ok(Err(err)) => err.to_string(),
                Err(_) => format!("no answer within {:?}", inner.timeout),
            };
        let now = inner.millis();
        inner
            .resting_until
            .store(now + REST.as_millis() as u64, Ordering::Relaxed);
        let warned = inner.warned_at.load(Ordering::Relaxed);
        if (warned == 0 || now >= warned + WARN_EVERY.as_millis() as u64)
            && inner
                .warned_at
                .compare_exchange(warned, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(%error, command = what, "Redis failed; going on without it");
        }
        None
    }
}

impl Inner {
    fn millis(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
}
