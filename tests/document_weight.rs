//! The parsed-document cache is bounded by an estimate of each document's heap
//! bytes made from its text. This measures the real bytes with a counting allocator,
//! for documents of every shape a hostile client might send, and checks that the
//! estimate never falls short (else the cache's budget would not bound its memory)
//! while staying within a small factor for real operations.

use std::alloc::System;

use async_graphql_parser::parse_query;
use parley::cache::document_weight;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The heap bytes of `text`'s document as the cache keeps it (a clone, exactly
/// sized). The counts are the whole process's: this file holds one test, so that
/// no other test allocates meanwhile.
fn kept_bytes(text: &str) -> u64 {
    let region = Region::new(ALLOCATOR);
    let parsed = parse_query(text).expect("the document parses");
    let kept = parsed.clone();
    drop(parsed);
    let change = region.change();
    drop(kept);
    // A reallocation counts its growth as allocated, its shrinking as deallocated.
    change
        .bytes_allocated
        .saturating_sub(change.bytes_deallocated) as u64
}

/// `head`, then `unit(i)` for i = 0, 1, … until the text is `size` bytes, then `tail`.
fn filled(size: usize, head: &str, unit: impl Fn(usize) -> String, tail: &str) -> String {
    let mut text = String::from(head);
    let mut i = 0;
    while text.len() < size {
        text.push_str(&unit(i));
        i += 1;
    }
    text + tail
}

fn shapes(size: usize) -> Vec<(&'static str, String)> {
    let depth = (size / 4).min(100);
    vec![
        ("typename", filled(size, "{", |_| " __typename".into(), "}")),
        ("one-letter fields", filled(size, "{", |_| "a ".into(), "}")),
        (
            "aliased connections",
            filled(
                size,
                "{",
                |i| format!(" a{i}: conversations(first: 10) {{ nodes {{ id subject }} }}"),
                "}",
            ),
        ),
        (
            "ints",
            filled(size, "{ f(ids: [", |i| format!("{i},"), "]) }"),
        ),
        ("ones", filled(size, "{ f(ids: [", |_| "1,".into(), "]) }")),
        // Nested no deeper than the parser takes.
        (
            "nested lists",
            format!("{{ f(a: {}{}) }}", "[".repeat(depth), "]".repeat(depth)),
        ),
        (
            "nested objects",
            format!("{{ f(a: {}1{}) }}", "{a:".repeat(depth), "}".repeat(depth)),
        ),
        (
            "a string",
            filled(size, "{ f(s: \"", |_| "x".into(), "\") }"),
        ),
        (
            "block strings",
            filled(size, "{ f(s: [", |_| r#""""a""" "#.into(), "]) }"),
        ),
        (
            "variables",
            filled(size, "query(", |i| format!("$v{i}: Int = 1 "), ") { a }"),
        ),
        (
            "directives",
            filled(size, "{ a ", |_| "@skip(if: true) ".into(), "}"),
        ),
        (
            "fragments",
            filled(
                size,
                "{ ...F0 }",
                |i| format!(" fragment F{i} on Query {{ a }}"),
                "",
            ),
        ),
        (
            "spreads",
            filled(size, "{", |_| " ...F".into(), "} fragment F on Query { a }"),
        ),
        (
            "inline fragments",
            filled(size, "{", |_| " ... on Q { a }".into(), "}"),
        ),
        (
            "arguments",
            filled(size, "{ f(", |i| format!("a{i}: 1 "), ") }"),
        ),
        (
            "enums",
            filled(size, "{ f(ids: [", |_| "OPEN ".into(), "]) }"),
        ),
        (
            "variable uses",
            filled(size, "{ f(ids: [", |_| "$v ".into(), "]) }"),
        ),
        (
            "operations",
            filled(size, "", |i| format!("query Q{i} {{ a }} "), ""),
        ),
        (
            "long names",
            filled(size, "{", |i| format!(" {}{i}", "n".repeat(200)), "}"),
        ),
        (
            "comments",
            filled(size, "{ a", |_| "# ignored words here\n".into(), "}"),
        ),
    ]
}

#[test]
fn the_weight_of_a_document_is_never_less_than_its_heap() {
    // What the parser sets up once, on first use, is no document's.
    kept_bytes("{ a(b: [1, \"c\", {d: $e}]) @f ...G ... on H { i } } fragment G on J { k }");
    for size in [300, 2_000, 16 * 1024] {
        for (shape, text) in shapes(size) {
            let actual = kept_bytes(&text);
            let weighed = document_weight(&text);
            assert!(
                weighed >= actual,
                "{shape} of {} bytes: weighed {weighed}, holds {actual}",
                text.len()
            );
        }
    }
    // Nor far above it for a real operation.
    let demo = include_str!("../src/demo_query.graphql");
    let (actual, weighed) = (kept_bytes(demo), document_weight(demo));
    assert!(weighed <= 4 * actual, "{weighed} for {actual}");
}
