//! SQL statement counting: per request (a task-local set around the request and
//! every data-loader task it spawns) and for the whole process.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::task::futures::TaskLocalFuture;

/// Statements run and their time.
#[derive(Debug, Default)]
pub struct SqlStats {
    statements: AtomicU64,
    micros: AtomicU64,
}

impl SqlStats {
    /// Statements counted so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Time spent in them, in microseconds.
    pub fn micros(&self) -> u64 {
        self.micros.load(Ordering::Relaxed)
    }

    fn add(&self, micros: u64) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        self.micros.fetch_add(micros, Ordering::Relaxed);
    }
}

tokio::task_local! {
    static CURRENT: Arc<SqlStats>;
}

static GLOBAL: SqlStats = SqlStats {
    statements: AtomicU64::new(0),
    micros: AtomicU64::new(0),
};

/// All statements of this process.
pub fn global_sql_stats() -> &'static SqlStats {
    &GLOBAL
}

/// A future whose statements count towards `stats`.
pub type TrackedFuture<F> = TaskLocalFuture<Arc<SqlStats>, F>;

/// Runs `fut` counting its statements into `stats`.
pub fn track<F: Future>(stats: Arc<SqlStats>, fut: F) -> TrackedFuture<F> {
    CURRENT.scope(stats, fut)
}

/// The connection's metric callback.
pub(super) fn record(info: &sea_orm::metric::Info<'_>) {
    let micros = info.elapsed.as_micros() as u64;
    tracing::trace!(target: "parley::sql", micros, sql = %info.statement.sql);
    GLOBAL.add(micros);
    let _ = CURRENT.try_with(|stats| stats.add(micros));
}
