//! Caches bounded by the bytes they hold, not by how many entries: one 64 KB query
//! parses into megabytes, so a cache of N entries has no bound worth the name.
//!
//! Entries are weighed when they are kept (quick_cache asks for the weight on every
//! eviction, so it is computed once and stored beside the value), and the cache
//! evicts synchronously on insert: the bytes it accounts for never exceed its budget.

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// What an entry costs beyond its key and value: the slot, the hash table's share,
/// the allocator's rounding.
const ENTRY_OVERHEAD: u64 = 64;

/// Bytes of heap one token of a query's text becomes once parsed, at most. Measured
/// with a counting allocator over documents of 2 to 64 KB of many shapes (fields,
/// aliases, arguments, lists, nested objects, variables, directives, fragments,
/// operations): a kept (cloned, so exactly sized) `ExecutableDocument` took at most
/// 216 bytes per token (`{ __typename __typename … }`), 208 for one-letter fields,
/// 36 to 105 for the other shapes; strings take their own length. 256 leaves room
/// for the allocator's size classes. Per byte of text that is 1× (one long string)
/// to 104× (`{ a a a … }`); real operations are 16–20×, which this estimates at
/// 40–45× (the demo query: 588 bytes, 9.6 KB parsed, weighed 26 KB).
pub const BYTES_PER_TOKEN: u64 = 256;

/// A cache of values by string key that holds at most `budget` bytes.
pub struct ByteCache<V: Clone> {
    entries: Option<Cache<String, Weighed<V>, ByBytes>>,
    budget: u64,
}

#[derive(Clone)]
struct Weighed<V> {
    value: V,
    /// The entry's bytes, key included.
    bytes: u64,
}

#[derive(Clone)]
struct ByBytes;

impl<V> Weighter<String, Weighed<V>> for ByBytes {
    fn weight(&self, _key: &String, entry: &Weighed<V>) -> u64 {
        entry.bytes
    }
}

impl<V: Clone> ByteCache<V> {
    /// A cache of at most `budget` bytes (0 keeps nothing), sized for entries of
    /// about `typical_bytes`.
    pub fn new(budget: u64, typical_bytes: u64) -> ByteCache<V> {
        let entries = (budget > 0).then(|| {
            let items = (budget / typical_bytes.max(1)).clamp(16, 1 << 20) as usize;
            Cache::with_weighter(items, budget, ByBytes)
        });
        ByteCache { entries, budget }
    }

    /// The value kept under `key`, if any.
    pub fn get(&self, key: &str) -> Option<V> {
        Some(self.entries.as_ref()?.get(key)?.value)
    }

    /// Whether `key` is kept.
    pub fn contains(&self, key: &str) -> bool {
        self.entries.as_ref().is_some_and(|e| e.contains_key(key))
    }

    /// Keeps `value` under `key`, weighing `bytes` besides the key. Less recently or
    /// less often used entries make room; an entry too big for the cache is not kept.
    pub fn insert(&self, key: &str, value: V, bytes: u64) {
        if let Some(entries) = &self.entries {
            let bytes = bytes
                .saturating_add(key.len() as u64)
                .saturating_add(ENTRY_OVERHEAD);
            entries.insert(key.to_owned(), Weighed { value, bytes });
        }
    }

    /// The bytes the entries kept now account for (never more than the budget).
    pub fn bytes(&self) -> u64 {
        self.entries.as_ref().map_or(0, Cache::weight)
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, Cache::len)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most bytes the cache keeps.
    pub fn budget(&self) -> u64 {
        self.budget
    }
}

/// Parsed documents by their query text.
pub type ParsedDocuments = ByteCache<Arc<ExecutableDocument>>;

/// An upper estimate of the heap bytes of `text`'s parsed document: its strings
/// and names, plus [`BYTES_PER_TOKEN`] for each token. The text must be valid
/// GraphQL (it is weighed after it parsed); comments are skipped, as the parser
/// skips them.
pub fn document_weight(text: &str) -> u64 {
    let tokens = tokens(text.as_bytes());
    (text.len() as u64).saturating_add(tokens.saturating_mul(BYTES_PER_TOKEN))
}

/// The tokens of a GraphQL text: names, numbers and other words, strings and
/// block strings, and each punctuator character; commas and comments are ignored.
fn tokens(text: &[u8]) -> u64 {
    let mut count = 0;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < text.len() && !matches!(text[i], b'\n' | b'\r') {
                    i += 1;
                }
            }
            b'"' if text[i..].starts_with(b"\"\"\"") => {
                count += 1;
                i += 3;
                while i < text.len() {
                    if text[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if text[i..].starts_with(b"\"\"\"") {
                        i += 3;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                count += 1;
                i += 1;
                while i < text.len() {
                    match text[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            b'!' | b'$' | b'&' | b'(' | b')' | b'.' | b':' | b'=' | b'@' | b'[' | b']' | b'{'
            | b'|' | b'}' => {
                count += 1;
                i += 1;
            }
            _ => {
                count += 1;
                while i < text.len() && is_word(text[i]) {
                    i += 1;
                }
            }
        }
    }
    count
}

/// Whether `byte` continues a name or number (anything but a separator,
/// punctuator, quote or comment).
fn is_word(byte: u8) -> bool {
    !matches!(
        byte,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b','
            | b'#'
            | b'"'
            | b'!'
            | b'$'
            | b'&'
            | b'('
            | b')'
            | b'.'
            | b':'
            | b'='
            | b'@'
            | b'['
            | b']'
            | b'{'
            | b'|'
            | b'}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_as_the_parser_sees_them() {
        assert_eq!(tokens(b"{ a b }"), 4);
        assert_eq!(
            tokens(b"query Q($v: Int = 1) { f(x: $v) @skip(if: true) }"),
            26
        );
        // Commas and comments make nothing.
        assert_eq!(tokens(b"{ a, b # c d e\n }"), 4);
        // A string is one token, whatever it holds, escaped quotes included.
        assert_eq!(tokens(br#"{ f(s: "a \" } b") }"#), 8);
        assert_eq!(tokens(br#"{ f(s: """a "b" \""" c""") x }"#), 9);
        // `...` counts thrice: weighing more is safe, less is not.
        assert_eq!(tokens(b"{ ...F }"), 6);
    }

    #[test]
    fn the_cache_holds_no_more_than_its_budget() {
        let cache = ByteCache::<u32>::new(10_000, 500);
        for i in 0..1_000 {
            cache.insert(&format!("key {i}"), i, 400);
            assert!(cache.bytes() <= 10_000, "{} bytes", cache.bytes());
        }
        assert!(!cache.is_empty());
        // Too big for the whole cache: not kept.
        cache.insert("huge", 0, 20_000);
        assert!(cache.get("huge").is_none());
        let off = ByteCache::<u32>::new(0, 500);
        off.insert("a", 1, 1);
        assert_eq!((off.get("a"), off.bytes()), (None, 0));
    }
}
