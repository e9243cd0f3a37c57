//! Prometheus metrics at `/metrics`: requests by operation and outcome, latency,
//! SQL statements and time per request, pool usage, open subscriptions and the bytes
//! the caches hold.
//!
//! Operation names are the client's to choose, and every label value is a series
//! kept for the life of the process, so only a bounded set of names become labels
//! (see [`OperationLabels`]); the rest share one.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::db::global_sql_stats;

/// Longest operation name kept as a label; longer ones count as [`OTHER`].
const MAX_OPERATION_LABEL: usize = 64;

/// The label of requests whose operation has no name.
const ANONYMOUS: &str = "anonymous";

/// The label of batch requests, whatever their operations.
pub const BATCH: &str = "batch";

/// The label of every operation name outside the labelled set.
pub const OTHER: &str = "other";

/// How many names become labels when none are configured.
pub const DEFAULT_OPERATION_LABELS: usize = 100;

/// Which operation names label metrics.
pub enum OperationLabels {
    /// Exactly these (the operations of an allow-list).
    Listed(HashSet<String>),
    /// The first `capacity` distinct names seen.
    FirstSeen {
        capacity: usize,
        seen: RwLock<HashSet<String>>,
    },
}

impl OperationLabels {
    /// The operation names of an allow-list.
    pub fn listed(names: impl IntoIterator<Item = String>) -> OperationLabels {
        OperationLabels::Listed(names.into_iter().collect())
    }

    /// The first `capacity` distinct names requests bring.
    pub fn first_seen(capacity: usize) -> OperationLabels {
        OperationLabels::FirstSeen {
            capacity,
            seen: RwLock::default(),
        }
    }

    /// The label of a request for the operation `name`: the name itself if it is
    /// in the set (or, while there is room, joins it), [`OTHER`] otherwise.
    fn label<'a>(&self, name: Option<&'a str>) -> &'a str {
        let name = match name.filter(|n| !n.is_empty()) {
            None => return ANONYMOUS,
            Some(BATCH) => return BATCH,
            Some(name) if name.len() > MAX_OPERATION_LABEL => return OTHER,
            Some(name) => name,
        };
        let labelled = match self {
            OperationLabels::Listed(names) => names.contains(name),
            OperationLabels::FirstSeen { capacity, seen } => {
                seen.read().is_ok_and(|seen| seen.contains(name))
                    || seen.write().is_ok_and(|mut seen| {
                        let room = seen.len() < *capacity;
                        if room {
                            seen.insert(name.to_owned());
                        }
                        room || seen.contains(name)
                    })
            }
        };
        if labelled { name } else { OTHER }
    }
}

/// The gateway's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    statements: HistogramVec,
    sql_seconds: HistogramVec,
    pool: IntGaugeVec,
    sql_total: IntGauge,
    operations: Arc<OperationLabels>,
    cache_bytes: IntGaugeVec,
    /// Subscriptions open now.
    pub subscriptions: IntGauge,
    /// Webhook posts by outcome: `delivered`, `retrying`, `failed`.
    webhook_attempts: IntCounterVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn registered<M: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: M,
) -> M {
    // Names are fixed and distinct, so registration cannot fail.
    let _ = registry.register(Box::new(metric.clone()));
    metric
}

impl Metrics {
    /// A fresh registry with every metric, labelling the first
    /// [`DEFAULT_OPERATION_LABELS`] operation names.
    pub fn new() -> Metrics {
        Self::labelled(OperationLabels::first_seen(DEFAULT_OPERATION_LABELS))
    }

    /// A fresh registry with every metric, labelling requests by `operations`.
    pub fn labelled(operations: OperationLabels) -> Metrics {
        let registry = Registry::new_custom(Some("parley".into()), None).unwrap_or_default();
        let by_operation = |name: &str, help: &str| HistogramOpts::new(name, help);
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL operations by name and outcome",
            ),
            &["operation", "outcome"],
        );
        let latency = HistogramVec::new(
            by_operation(
                "graphql_request_seconds",
                "Time to answer a GraphQL request",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["operation"],
        );
        let statements = HistogramVec::new(
            by_operation(
                "sql_statements_per_request",
                "SQL statements one request ran",
            )
            .buckets(vec![0.0, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 32.0, 64.0]),
            &["operation"],
        );
        let sql_seconds = HistogramVec::new(
            by_operation("sql_seconds_per_request", "Time one request spent in SQL").buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
            ]),
            &["operation"],
        );
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database connections by state"),
            &["state"],
        );
        let sql_total = IntGauge::new("sql_statements", "SQL statements run since start");
        let subscriptions = IntGauge::new(
            "subscriptions_open",
            "GraphQL subscription connections open",
        );
        let cache_bytes = IntGaugeVec::new(
            Opts::new(
                "cache_bytes",
                "Bytes a cache holds, as its byte budget accounts them",
            ),
            &["cache"],
        );
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook posts by outcome: delivered, retrying (a retry is scheduled) or failed (the last)",
            ),
            &["outcome"],
        );
        match (
            requests,
            latency,
            statements,
            sql_seconds,
            pool,
            sql_total,
            subscriptions,
            cache_bytes,
            webhook_attempts,
        ) {
            (Ok(r), Ok(l), Ok(s), Ok(q), Ok(p), Ok(t), Ok(o), Ok(c), Ok(w)) => Metrics {
                webhook_attempts: registered(&registry, w),
                cache_bytes: registered(&registry, c),
                requests: registered(&registry, r),
                latency: registered(&registry, l),
                statements: registered(&registry, s),
                sql_seconds: registered(&registry, q),
                pool: registered(&registry, p),
                sql_total: registered(&registry, t),
                subscriptions: registered(&registry, o),
                operations: Arc::new(operations),
                registry,
            },
            _ => unreachable!("metric definitions are static and valid"),
        }
    }

    /// Records one answered GraphQL request.
    pub fn record(
        &self,
        operation: Option<&str>,
        outcome: &str,
        seconds: f64,
        statements: u64,
        sql_seconds: f64,
    ) {
        let operation = self.operations.label(operation);
        self.requests.with_label_values(&[operation, outcome]).inc();
        self.latency
            .with_label_values(&[operation])
            .observe(seconds);
        self.statements
            .with_label_values(&[operation])
            .observe(statements as f64);
        self.sql_seconds
            .with_label_values(&[operation])
            .observe(sql_seconds);
    }

    /// Counts one webhook post by its outcome.
    pub fn webhook_attempt(&self, outcome: &str) {
        self.webhook_attempts.with_label_values(&[outcome]).inc();
    }

    /// Sets the bytes `cache` holds.
    pub fn set_cache_bytes(&self, cache: &str, bytes: u64) {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        self.cache_bytes.with_label_values(&[cache]).set(bytes);
    }

    /// The text exposition of every metric, with the pool read now.
    pub fn render(&self, db: &DatabaseConnection) -> String {
        let (size, idle) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        self.pool.with_label_values(&["open"]).set(i64::from(size));
        self.pool.with_label_values(&["idle"]).set(idle as i64);
        self.pool
            .with_label_values(&["busy"])
            .set(i64::from(size) - idle as i64);
        self.sql_total.set(global_sql_stats().statements() as i64);
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
