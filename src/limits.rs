//! Bounds on what one request may ask for: depth, cost, aliases, batch size and
//! text size. Exceeding one is QUERY_TOO_COMPLEX (or BAD_USER_INPUT for sizes).
//! The rate limit (see `ratelimit`) is configured here too.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use clap::Args;

use crate::error::Error;

use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The limits, configurable from flags and environment.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Deepest nesting of fields a query may have.
    #[arg(long, env = "PARLEY_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// Highest cost a query may have: each field costs 1, a connection's fields
    /// count once per item it may return (`first`/`last`, default 20), and each
    /// item of a list argument or variable costs 1.
    #[arg(long, env = "PARLEY_MAX_COMPLEXITY", default_value_t = 250_000)]
    pub max_complexity: usize,
    /// Most aliases one document may use.
    #[arg(long, env = "PARLEY_MAX_ALIASES", default_value_t = 100)]
    pub max_aliases: usize,
    /// Most operations in one batch request.
    #[arg(long, env = "PARLEY_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Longest query text, in bytes.
    #[arg(long, env = "PARLEY_MAX_QUERY_BYTES", default_value_t = 64 * 1024)]
    pub max_query_bytes: usize,
    /// Largest request body, in bytes.
    #[arg(long, env = "PARLEY_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most items in one list passed as an argument or variable (ids in a filter,
    /// notes of `addNotes`...), each item also costing 1 in the query's cost;
    /// `importConversation`'s messages have their own cap of 1,000.
    #[arg(long, env = "PARLEY_MAX_LIST_ITEMS", default_value_t = DEFAULT_MAX_LIST_ITEMS)]
    pub max_list_items: usize,
    /// Points each tenant may spend per minute, a request costing its complexity
    /// (an inbox page of 50 conversations costs about 2,800); 0 turns rate limiting off.
    #[arg(long, env = "PARLEY_RATE_LIMIT", default_value_t = DEFAULT_RATE_LIMIT,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(i32::MAX)))]
    pub rate_limit: u32,
}

/// Items a list argument may hold unless configured: what the API's own caps allow
/// (`nodes` ids, `addNotes` notes, a ticket's tags).
pub const DEFAULT_MAX_LIST_ITEMS: usize = 100;

/// Points per tenant per minute unless configured.
pub const DEFAULT_RATE_LIMIT: u32 = 2_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_complexity: 250_000,
            max_aliases: 100,
            max_batch: 10,
            max_query_bytes: 64 * 1024,
            max_body_bytes: 1024 * 1024,
            max_list_items: DEFAULT_MAX_LIST_ITEMS,
            rate_limit: DEFAULT_RATE_LIMIT,
        }
    }
}

/// The cost of a connection field: its children once per item it may return.
pub fn connection_cost(first: Option<i32>, last: Option<i32>, children: usize) -> usize {
    let page = first.or(last).map_or(DEFAULT_PAGE_SIZE, |n| {
        n.clamp(0, MAX_PAGE_SIZE as i32) as u64
    });
    1 + (page.max(1) as usize).saturating_mul(children)
}

fn aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Refuses a document with more than `max` aliases, in its operations and fragments.
pub fn check_aliases(document: &ExecutableDocument, max: usize) -> Result<(), Error> {
    let operations = document
        .operations
        .iter()
        .map(|(_, op)| aliases(&op.node.selection_set.node));
    let fragments = document
        .fragments
        .values()
        .map(|f| aliases(&f.node.selection_set.node));
    let count: usize = operations.chain(fragments).sum();
    if count > max {
        return Err(Error::TooComplex(format!(
            "the query uses {count} aliases; at most {max} are allowed"
        )));
    }
    Ok(())
}
