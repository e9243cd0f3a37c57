//! Fragments of a text around the words a query matched, each match wrapped in
//! `<em>` and everything else HTML-escaped.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::SearchQuery;

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Characters of context on each side of a match.
const CONTEXT: usize = 60;

fn stem(word: &str) -> String {
    STEMMER.stem(&word.to_lowercase()).into_owned()
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Byte ranges of the words of `text` whose stems are among the query's.
fn matches(text: &str, query: &SearchQuery) -> Vec<(usize, usize)> {
    let stems: Vec<String> = query.terms.iter().map(|t| stem(t)).collect();
    let mut found = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, c.is_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                if stems.contains(&stem(&text[s..i])) {
                    found.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

/// Up to `max` fragments of `text` around the query's matches.
pub fn fragments(text: &str, query: &SearchQuery, max: usize) -> Vec<String> {
    let found = matches(text, query);
    let mut out = Vec::new();
    let mut i = 0;
    while i < found.len() && out.len() < max {
        let from = floor_boundary(text, found[i].0.saturating_sub(CONTEXT));
        let mut to = ceil_boundary(text, found[i].1 + CONTEXT);
        // Matches close together share a fragment.
        let mut j = i;
        while j + 1 < found.len() && found[j + 1].0 < to {
            j += 1;
            to = ceil_boundary(text, found[j].1 + CONTEXT);
        }
        let mut fragment = String::new();
        if from > 0 {
            fragment.push('…');
        }
        let mut at = from;
        for &(s, e) in &found[i..=j] {
            escape(&text[at..s], &mut fragment);
            fragment.push_str("<em>");
            escape(&text[s..e], &mut fragment);
            fragment.push_str("</em>");
            at = e;
        }
        escape(&text[at..to], &mut fragment);
        if to < text.len() {
            fragment.push('…');
        }
        out.push(fragment.split_whitespace().collect::<Vec<_>>().join(" "));
        i = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_stemmed_matches_and_escapes_the_rest() {
        let q = SearchQuery::parse("refund", false).unwrap();
        let f = fragments("I want <b>refunds</b> & a Refund now!", &q, 3);
        assert_eq!(
            f,
            ["I want &lt;b&gt;<em>refunds</em>&lt;/b&gt; &amp; a <em>Refund</em> now!"]
        );
        assert!(fragments("nothing here", &q, 3).is_empty());
        let long = format!("{} refund {}", "x ".repeat(100), "y ".repeat(100));
        let f = fragments(&long, &q, 3);
        assert!(f[0].starts_with('…') && f[0].ends_with('…') && f[0].contains("<em>refund</em>"));
        let emoji = fragments("🙂🙂 refund 🙂", &q, 1);
        assert_eq!(emoji, ["🙂🙂 <em>refund</em> 🙂"]);
    }
}
