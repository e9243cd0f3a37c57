//! Topics: which of the tenant's tags a text is about. YAKE (yake-rust) picks the
//! text's key phrases, ranked by statistics of the text alone (frequency, position,
//! spread over sentences, casing); a tag is a topic when every word of its name
//! (`shipping-delay`: ship, delay) is among the stemmed words of those key phrases.
//! Nothing is stored: topics follow the tags as the tenant renames or retires them.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use yake_rust::{Config, StopWords, get_n_best};

/// Key phrases taken from a text.
const KEY_PHRASES: usize = 20;
/// Text read from a message: enough for its request, bounded in cost.
pub const MAX_TOPIC_TEXT: usize = 8 * 1024;

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));
static ENGLISH: LazyLock<StopWords> =
    LazyLock::new(|| StopWords::predefined("en").unwrap_or_default());

fn stem(word: &str) -> String {
    STEMMER.stem(&word.to_lowercase()).into_owned()
}

/// The tags a text can be matched against: each tag's id with the stems of the
/// words of its name.
pub struct Vocabulary {
    tags: Vec<(i64, Vec<String>)>,
}

impl Vocabulary {
    /// The vocabulary of `(id, name)` tags; a name without letters or digits never matches.
    pub fn new<'a>(tags: impl IntoIterator<Item = (i64, &'a str)>) -> Vocabulary {
        let tags = tags
            .into_iter()
            .map(|(id, name)| {
                let stems = name
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(stem)
                    .collect();
                (id, stems)
            })
            .filter(|(_, stems): &(i64, Vec<String>)| !stems.is_empty())
            .collect();
        Vocabulary { tags }
    }
}

/// A tag a text is about, and how central it is: 1 when its words are the text's
/// most important key phrase, towards 0 the further down they rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Topic {
    pub tag_id: i64,
    pub relevance: f64,
}

/// The stems of the text's key phrases, each with the relevance of the best phrase
/// it appears in (YAKE scores 0 for the best; relevance is `1 / (1 + score)`).
fn key_stems(text: &str, language: Option<&str>) -> HashMap<String, f64> {
    let text = match text.char_indices().nth(MAX_TOPIC_TEXT) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let own = language
        .map(|tag| tag.split(['-', '_']).next().unwrap_or(tag).to_lowercase())
        .and_then(|code| StopWords::predefined(&code));
    let stop_words = own.as_ref().unwrap_or(&ENGLISH);
    let config = Config {
        ngrams: 2,
        ..Config::default()
    };
    // yake-rust unwraps inside (a NaN score would panic its sort): a text it
    // cannot rank has no topics rather than failing the request.
    let phrases = catch_unwind(AssertUnwindSafe(|| {
        get_n_best(KEY_PHRASES, text, stop_words, &config)
    }))
    .unwrap_or_default();
    let mut stems: HashMap<String, f64> = HashMap::new();
    for phrase in phrases {
        let relevance = if phrase.score.is_finite() && phrase.score >= 0.0 {
            1.0 / (1.0 + phrase.score)
        } else {
            continue;
        };
        for word in phrase.keyword.split_whitespace() {
            let best = stems.entry(stem(word)).or_insert(0.0);
            *best = best.max(relevance);
        }
    }
    stems
}

/// The tags of `vocabulary` that `text` is about, most relevant first (ties by tag
/// id). A tag's relevance is that of its least relevant word.
pub fn topics(text: &str, language: Option<&str>, vocabulary: &Vocabulary) -> Vec<Topic> {
    if vocabulary.tags.is_empty() {
        return Vec::new();
    }
    let stems = key_stems(text, language);
    let mut found: Vec<Topic> = vocabulary
        .tags
        .iter()
        .filter_map(|(tag_id, words)| {
            let relevance = words
                .iter()
                .map(|w| stems.get(w).copied())
                .try_fold(f64::INFINITY, |low, r| r.map(|r| low.min(r)))?;
            Some(Topic {
                tag_id: *tag_id,
                relevance: (relevance * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    found.sort_by(|a, b| {
        b.relevance
            .total_cmp(&a.relevance)
            .then(a.tag_id.cmp(&b.tag_id))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary::new([
            (1, "refund"),
            (2, "shipping-delay"),
            (3, "password-reset"),
            (4, "lost-package"),
            (5, "---"),
        ])
    }

    #[test]
    fn tags_whose_words_are_key_phrases_are_topics() {
        let text = "My package has not arrived. The shipping is delayed by two weeks \
                    and the tracking page shows nothing. Shipping delays like this are not ok.";
        let ids: Vec<i64> = topics(text, Some("en"), &vocabulary())
            .iter()
            .map(|t| t.tag_id)
            .collect();
        assert!(ids.contains(&2), "{ids:?}");
        assert!(!ids.contains(&3), "{ids:?}");
        assert!(!ids.contains(&1), "{ids:?}");
    }

    #[test]
    fn every_word_of_a_tag_must_be_there() {
        let text = "I want a refund for the order, please refund me today.";
        let found = topics(text, None, &vocabulary());
        assert_eq!(found.first().map(|t| t.tag_id), Some(1), "{found:?}");
        assert!(found.iter().all(|t| t.tag_id != 4), "`lost` is missing");
        assert!(
            found
                .iter()
                .all(|t| t.relevance > 0.0 && t.relevance <= 1.0)
        );
    }

    #[test]
    fn texts_without_words_have_no_topics_and_do_not_panic() {
        let long = "refund ".repeat(10_000);
        for text in [
            "",
            " ",
            "!!!",
            "1234 5678",
            "🙂🙂🙂",
            "a",
            "\u{0}\u{1}",
            long.as_str(),
        ] {
            let found = topics(text, Some("xx"), &vocabulary());
            assert!(found.len() <= 1, "{text:?}: {found:?}");
        }
    }
}
