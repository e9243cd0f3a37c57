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
    /// Lower-case words, stop words removed, in order.
    pub terms: Vec<String>,
    /// Match the words as one phrase rather than anywhere.
    pub exact: bool,
}

/// Splits text into lower-case words (letters and digits).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

impl SearchQuery {
    /// Parses a client's query; one with no searchable word is BAD_USER_INPUT.
    pub fn parse(text: &str, exact: bool) -> Result<SearchQuery> {
        if text.len() > MAX_QUERY_BYTES {
            return Err(Error::bad_input(format!(
                "`query` may be at most {MAX_QUERY_BYTES} bytes"
            )));
        }
        let terms: Vec<String> = words(text)
            .filter(|w| !STOP_WORDS.contains(&w.as_str()))
            .take(MAX_TERMS)
            .collect();
        if terms.is_empty() {
            return Err(Error::bad_input("`query` has no words to search for"));
        }
        Ok(SearchQuery { terms, exact })
    }

    /// An FTS5 MATCH expression: every word quoted (so nothing is an operator),
    /// as one phrase or all of them.
    fn fts5(&self) -> String {
        if self.exact {
            format!("\"{}\"", self.terms.join(" "))
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
            _ => self.terms.join(" "),
        }
    }
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
        assert_eq!(phrase.fts5(), r#""reset password""#);
    }
}
