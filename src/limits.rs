//! Bounds on what one request may ask for: nesting, depth, cost, aliases, batch
//! size and text size. Exceeding one is QUERY_TOO_COMPLEX (or BAD_USER_INPUT for
//! sizes). The rate limit (see `ratelimit`) is configured here too.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, ServerError, Value as ConstValue, Variables};
use clap::Args;
use clap::builder::TypedValueParser as _;

use crate::error::Error;

use crate::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The limits, configurable from flags and environment.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Deepest nesting of fields a query may have.
    #[arg(long, env = "PARLEY_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,
    /// Deepest nesting of brackets (`{`, `[`, `(`) a document may have, and of lists
    /// and objects in its variables. Checked on the text before it is parsed: the
    /// parser recurses once per level, and a few thousand levels overflow its stack.
    #[arg(long, env = "PARLEY_MAX_NESTING", default_value_t = DEFAULT_MAX_NESTING,
          value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_NESTING_CEILING)).map(usize::from))]
    pub max_nesting: usize,
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

/// Nesting allowed unless configured: four times what the deepest legitimate
/// operation needs (15 levels of fields, each `{`, plus an argument's `(`, an input
/// object and a list), and a fifth of what overflows the parser: on a tokio
/// worker's 2 MiB stack, a debug build overflows at about 320 levels of input
/// objects and 350 of lists (a release build much later).
pub const DEFAULT_MAX_NESTING: usize = 64;

/// The most nesting that may be configured: well within the parser's stack on a
/// worker thread, even in a debug build (see the `nesting` tests).
pub const MAX_NESTING_CEILING: u16 = 128;

/// Items a list argument may hold unless configured: what the API's own caps allow
/// (`nodes` ids, `addNotes` notes, a ticket's tags).
pub const DEFAULT_MAX_LIST_ITEMS: usize = 100;

/// Points per tenant per minute unless configured.
pub const DEFAULT_RATE_LIMIT: u32 = 2_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_nesting: DEFAULT_MAX_NESTING,
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

/// How deeply `query` nests `{`, `[` and `(`, read as GraphQL's lexer would: brackets
/// inside strings, block strings and comments do not count. A string left open runs
/// to the end of its line (block strings to the end of the text), where the parser
/// would stop anyway, so what is counted is never less than what the parser sees.
pub fn nesting(query: &str) -> usize {
    let bytes = query.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'#' => {
                while bytes.get(i).is_some_and(|b| !matches!(b, b'\n' | b'\r')) {
                    i += 1;
                }
            }
            b'"' if bytes.get(i..i + 3) == Some(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && bytes.get(i..i + 3) != Some(b"\"\"\"") {
                    i += if bytes.get(i..i + 4) == Some(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    match b {
                        b'"' | b'\n' | b'\r' => break,
                        b'\\' => i += 2,
                        _ => i += 1,
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Refuses a document that nests deeper than `max` (see [`nesting`]).
pub fn check_nesting(query: &str, max: usize) -> Result<(), Error> {
    let depth = nesting(query);
    if depth > max {
        return Err(Error::TooComplex(format!(
            "the query nests {depth} levels of brackets deep; at most {max} are allowed"
        )));
    }
    Ok(())
}

/// How deeply `value` nests lists and objects (a scalar is 0), walked without
/// recursion.
pub fn value_nesting(value: &ConstValue) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0usize)];
    while let Some((value, depth)) = pending.pop() {
        match value {
            ConstValue::List(items) => pending.extend(items.iter().map(|v| (v, depth + 1))),
            ConstValue::Object(fields) => pending.extend(fields.values().map(|v| (v, depth + 1))),
            _ => continue,
        }
        deepest = deepest.max(depth + 1);
    }
    deepest
}

/// Refuses variables that nest lists and objects deeper than `max`.
pub fn check_variables(variables: &Variables, max: usize) -> Result<(), Error> {
    let depth = variables.values().map(value_nesting).max().unwrap_or(0);
    if depth > max {
        return Err(Error::TooComplex(format!(
            "the variables nest {depth} levels of lists and objects deep; at most {max} are allowed"
        )));
    }
    Ok(())
}

/// Refuses a request whose document or variables nest deeper than `max`: what
/// every transport checks before anything parses the request's text.
pub fn check_request(request: &Request, max: usize) -> Result<(), Error> {
    check_nesting(&request.query, max)?;
    check_variables(&request.variables, max)
}

/// The parsed document of `query`, refused unparsed if it nests deeper than
/// `max_nesting`. The only way Parley parses a client's text.
pub fn parse_document(query: &str, max_nesting: usize) -> Result<ExecutableDocument, ServerError> {
    check_nesting(query, max_nesting).map_err(server_error)?;
    async_graphql::parser::parse_query(query).map_err(ServerError::from)
}

/// `request`'s document, parsed (unless a persisted query set it) once its text is
/// known to nest no deeper than `max_nesting`.
pub fn parsed_document(
    request: &mut Request,
    max_nesting: usize,
) -> Result<&ExecutableDocument, ServerError> {
    check_nesting(&request.query, max_nesting).map_err(server_error)?;
    request.parsed_query()
}

fn server_error(err: Error) -> ServerError {
    async_graphql::Error::from(err).into_server_error(Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        assert_eq!(nesting("{ a }"), 1);
        assert_eq!(nesting("{ a(b: [{c: 1}]) { d } }"), 4);
        assert_eq!(nesting(r#"{ a(b: "[[[[{{(") }"#), 2);
        assert_eq!(nesting(r#"{ a(b: "\"[[[[") }"#), 2);
        assert_eq!(nesting("{ a(b: \"\"\"[[[\\\"\"\"[[[ \"\"\") }"), 2);
        assert_eq!(nesting("{ a # [[[[[[\n b }"), 1);
        assert_eq!(nesting("}}}} { a }"), 1);
        // A string cannot span lines: the parser stops there, the count goes on.
        assert_eq!(nesting("{ a(b: \"x\n[[["), 5);
        assert_eq!(nesting(&"[".repeat(3000)), 3000);
    }

    #[test]
    fn variables_nesting_is_measured_without_recursion() {
        let mut value = ConstValue::Null;
        for _ in 0..100_000 {
            value = ConstValue::List(vec![value]);
        }
        assert_eq!(value_nesting(&value), 100_000);
        std::mem::forget(value); // dropping it would recurse
    }

    /// The parser's stack use per level, on a thread with a tokio worker's 2 MiB
    /// stack: the ceiling parses (or, for selection sets, meets the parser's own
    /// recursion limit), so no configurable limit can overflow it.
    #[test]
    fn the_nesting_ceiling_parses_on_a_worker_stack() {
        let ceiling = usize::from(MAX_NESTING_CEILING);
        let documents = [
            format!(
                "{{ __type(name: {}1{}) {{ name }} }}",
                "[".repeat(ceiling - 3),
                "]".repeat(ceiling - 3)
            ),
            format!(
                "{{ a(b: {}1{}) }}",
                "{a: ".repeat(ceiling - 2),
                "}".repeat(ceiling - 2)
            ),
            format!(
                "query($v: {}Int{}) {{ a }}",
                "[".repeat(ceiling - 2),
                "]".repeat(ceiling - 2)
            ),
            format!("{}a{}", "{ a ".repeat(ceiling), "}".repeat(ceiling)),
        ];
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                for document in documents {
                    assert!(nesting(&document) <= ceiling);
                    let _ = parse_document(&document, ceiling);
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
