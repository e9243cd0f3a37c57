//! Text analysis computed at write time.

use std::sync::LazyLock;

use vader_sentiment::SentimentIntensityAnalyzer;

static ANALYZER: LazyLock<SentimentIntensityAnalyzer<'static>> =
    LazyLock::new(SentimentIntensityAnalyzer::new);

/// Sentiment of `text` from -1 (negative) to 1 (positive), by the VADER lexicon
/// (its compound score, rounded to two decimals).
pub fn sentiment(text: &str) -> f64 {
    let compound = ANALYZER
        .polarity_scores(text)
        .get("compound")
        .copied()
        .unwrap_or(0.0);
    (compound.clamp(-1.0, 1.0) * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::sentiment;

    #[test]
    fn sentiment_follows_the_words() {
        assert!(sentiment("Thank you so much, this is great and works perfectly!") > 0.5);
        assert!(sentiment("This is terrible, I am furious and the app is broken again.") < -0.5);
        assert!(sentiment("My order number is 12345.").abs() < 0.2);
        assert_eq!(sentiment(""), 0.0);
    }
}
