//! Full-text search over tickets and conversations: the client's text becomes a
//! safe query for SQLite FTS5 or PostgreSQL text search, and matches are
//! highlighted in Rust so both databases give the same fragments.

pub mod conversations;
pub mod highlight;
pub mod tickets;

use sea_orm::DbBackend;

use crate::error::{Error, Result};

/// Longest query text accepted.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// Words of a query that are used; the rest are ignored.
pub const MAX_TERMS: usize = 32;

/// Words too common to search for (PostgreSQL's English stop words, which its
/// index leaves out; dropping them from every query keeps both databases alike).
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "s",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// The words of a query, ready for either database.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Lower-case words, stop words removed, in order: what is matched anywhere and
    /// what highlights show.
    pub terms: Vec<String>,
    /// For an exact match, the phrase's words with the stop words between them kept
    /// ("cancel my order" must not match "cancel order"); empty otherwise.
    pub phrase: Vec<String>,
    /// Match the words as one phrase rather than anywhere.
    pub exact: bool,
}

pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// Splits text into lower-case words (letters and digits).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The words of `text` worth searching for: lower-case, no stop words, at most
/// [`MAX_TERMS`], in order (repeats kept).
pub fn terms(text: &str) -> Vec<String> {
    words(text)
        .filter(|w| !is_stop_word(w))
        .take(MAX_TERMS)
        .collect()
}

impl SearchQuery {
    /// Parses a client's query; one with no searchable word is BAD_USER_INPUT.
    pub fn parse(text: &str, exact: bool) -> Result<SearchQuery> {
        if text.len() > MAX_QUERY_BYTES {
            return Err(Error::bad_input(format!(
                "`query` may be at most {MAX_QUERY_BYTES} bytes"
            )));
        }
        let terms = terms(text);
        if terms.is_empty() {
            return Err(Error::bad_input("`query` has no words to search for"));
        }
        let phrase = if exact { phrase_of(text) } else { Vec::new() };
        Ok(SearchQuery {
            terms,
            phrase,
            exact,
        })
    }

    /// An FTS5 MATCH expression: every word quoted (so nothing is an operator),
    /// as one phrase or all of them.
    fn fts5(&self) -> String {
        if self.exact {
            format!("\"{}\"", self.phrase.join(" "))
        } else {
            self.terms
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    /// A PostgreSQL tsquery built from plain text (which has no operators), its text
    /// being the expression's first value.
    fn tsquery(&self) -> String {
        let function = if self.exact {
            "phraseto_tsquery"
        } else {
            "plainto_tsquery"
        };
        format!("{function}('english', $1)")
    }

    /// The value bound to the match placeholder on `backend`.
    fn bound(&self, backend: DbBackend) -> String {
        match backend {
            DbBackend::Sqlite => self.fts5(),
            // phraseto_tsquery drops the stop words itself but keeps their places.
            _ if self.exact => self.phrase.join(" "),
            _ => self.terms.join(" "),
        }
    }
}

/// The words of an exact phrase: stop words inside it kept, those before its first
/// and after its last searchable word dropped (PostgreSQL's index ignores those,
/// so matching them on SQLite alone would make the databases disagree).
fn phrase_of(text: &str) -> Vec<String> {
    let all: Vec<String> = words(text).collect();
    let first = all.iter().position(|w| !is_stop_word(w));
    let last = all.iter().rposition(|w| !is_stop_word(w));
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    // The same cap as the terms, counted over every word of the phrase.
    all[first..=last]
        .iter()
        .take(MAX_TERMS * 2)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_becomes_plain_words() {
        let q = SearchQuery::parse(
            r#"'; DROP TABLE tickets; -- "refund" OR * NEAR(a b) 100% 🙂"#,
            false,
        )
        .unwrap();
        assert_eq!(
            q.terms,
            ["drop", "table", "tickets", "refund", "near", "b", "100"]
        );
        assert_eq!(
            q.fts5(),
            r#""drop" "table" "tickets" "refund" "near" "b" "100""#
        );
        assert!(SearchQuery::parse("the of and !!!", false).is_err());
        assert!(SearchQuery::parse("", true).is_err());
        assert!(
            SearchQuery::parse(&"word ".repeat(2000), false)
                .unwrap()
                .terms
                .len()
                == MAX_TERMS
        );
        assert!(SearchQuery::parse(&"x".repeat(MAX_QUERY_BYTES + 1), false).is_err());
        let phrase = SearchQuery::parse("Reset my password", true).unwrap();
        assert_eq!(phrase.fts5(), r#""reset my password""#);
        assert_eq!(phrase.terms, ["reset", "password"]);
        let trimmed = SearchQuery::parse("to cancel my order.", true).unwrap();
        assert_eq!(trimmed.bound(DbBackend::Postgres), "cancel my order");
        assert_eq!(trimmed.fts5(), r#""cancel my order""#);
        let loose = SearchQuery::parse("cancel my order", false).unwrap();
        assert_eq!(loose.bound(DbBackend::Postgres), "cancel order");
    }
}
