//! Compiled operations, Parley's hot path (the idea of PostGraphile's grafast).
//!
//! An application sends the same few queries. The first time a validated query
//! arrives, it is compiled into a [`Plan`] if every field it selects is a column,
//! a to-one reference or a page of a relation (`types`); the plan is kept with the
//! query's text. From then on, each request of that query runs one SQL statement per
//! root field, which reads each row with its to-one references (joined) and nested
//! pages as one positional JSON array, and the response is written from those arrays
//! in one pass, with no resolver, future or response value per field.
//!
//! Everything else stays with async-graphql: parsing, validation, the cost charge
//! and limits (they run before a plan is looked up), introspection, mutations,
//! subscriptions, computed fields, and every error: a plan that meets anything it
//! does not expect (a viewer without a scope it reads, an argument out of range, a
//! database error) steps aside and the request executes as before, so clients see
//! the same answers and the same errors on both paths (`tests/api/plans.rs`).

mod compile;
mod run;
mod sql;
mod types;
mod write;

use std::sync::Arc;

use async_graphql::Request;
use sea_orm::DatabaseConnection;

pub use compile::Plan;

use crate::auth::Viewer;
use crate::cache::{ByteCache, document_weight};

/// The plans of the queries seen so far, by query text and operation name; a query
/// that cannot be planned is remembered as such.
pub struct Plans {
    db: DatabaseConnection,
    kept: ByteCache<Option<Arc<Plan>>>,
    /// Longest query text planned (the parsed documents' bound).
    max_kept: usize,
}

impl Plans {
    /// Plans answered from `db`, holding at most `budget` bytes.
    pub fn new(db: DatabaseConnection, budget: u64, max_kept: usize) -> Plans {
        Plans {
            db,
            kept: ByteCache::new(budget, 16 << 10),
            max_kept,
        }
    }

    /// The JSON body answering `request` for `viewer`, if a plan answers it; the
    /// request has passed every check and its document is parsed.
    pub async fn answer(&self, request: &mut Request, viewer: &Viewer) -> Option<String> {
        let plan = self.plan(request)?;
        run::answer(&plan, &self.db, viewer, &request.variables).await
    }

    fn plan(&self, request: &mut Request) -> Option<Arc<Plan>> {
        if request.query.len() > self.max_kept {
            return None;
        }
        let key = match &request.operation_name {
            Some(name) => format!("{name}\n{}", request.query),
            None => request.query.clone(),
        };
        if let Some(kept) = self.kept.get(&key) {
            return kept;
        }
        let operation = request.operation_name.clone();
        let plan = request
            .parsed_query()
            .ok()
            .and_then(|document| compile::compile(document, operation.as_deref()))
            .map(Arc::new);
        // A plan holds about what its parsed document does.
        self.kept
            .insert(&key, plan.clone(), document_weight(&request.query));
        plan
    }
}
