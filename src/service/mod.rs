//! The rules of every write. Each public function runs in one transaction that
//! also appends the Activity row; an error (a refused rule included) rolls it back.

pub mod activity;
pub mod anonymize;
pub mod assistant;
pub mod attachments;
pub mod attributes;
pub mod capabilities;
pub mod conversations;
pub mod counters;
pub mod flows;
pub mod idempotency;
pub mod import;
pub mod merge;
pub mod messages;
pub mod notes;
pub mod ratings;
pub mod rules;
pub mod snooze;
pub mod tags;
pub mod tickets;
pub mod voice;
pub mod webhooks;

use chrono::Utc;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::error::Result;
/// The cleanest body moved to `text`; its old path stays for the ticket tests that name it.
pub use crate::text::cleanest_body;

/// Now, as stored: microseconds since the epoch.
pub fn now() -> i64 {
    Utc::now().timestamp_micros()
}

/// Starts a write transaction; on SQLite it takes the write lock at once, so two
/// writers queue instead of failing when both try to upgrade a read.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    Ok(db.begin_with_options(options).await?)
}
