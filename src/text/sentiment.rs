//! A message's sentiment and a conversation's sentiment trend.

use std::sync::LazyLock;

use entity::enums::SentimentTrend;
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

/// Below this change of the mean the customer's mood is FLAT.
const FLAT_WITHIN: f64 = 0.1;

/// How the customer's mood moved: the mean sentiment of the second half of the USER
/// messages (oldest first) against the first half; FLAT within ±0.1, none below two
/// messages. The one rule for `Conversation.sentimentTrend`, written or seeded.
pub fn sentiment_trend(user_sentiments: &[f64]) -> Option<SentimentTrend> {
    if user_sentiments.len() < 2 {
        return None;
    }
    let (first, second) = user_sentiments.split_at(user_sentiments.len() / 2);
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let change = mean(second) - mean(first);
    Some(if change > FLAT_WITHIN {
        SentimentTrend::Up
    } else if change < -FLAT_WITHIN {
        SentimentTrend::Down
    } else {
        SentimentTrend::Flat
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentiment_follows_the_words() {
        assert!(sentiment("Thank you so much, this is great and works perfectly!") > 0.5);
        assert!(sentiment("This is terrible, I am furious and the app is broken again.") < -0.5);
        assert!(sentiment("My order number is 12345.").abs() < 0.2);
        assert_eq!(sentiment(""), 0.0);
    }

    #[test]
    fn trend_compares_the_halves() {
        assert_eq!(sentiment_trend(&[]), None);
        assert_eq!(sentiment_trend(&[0.5]), None);
        assert_eq!(sentiment_trend(&[-0.6, 0.7]), Some(SentimentTrend::Up));
        assert_eq!(
            sentiment_trend(&[0.4, 0.3, -0.5]),
            Some(SentimentTrend::Down)
        );
        assert_eq!(sentiment_trend(&[0.2, 0.25]), Some(SentimentTrend::Flat));
        // The threshold is 0.1: a change of 0.15 is a trend (the seed once said FLAT).
        assert_eq!(sentiment_trend(&[0.0, 0.15]), Some(SentimentTrend::Up));
        assert_eq!(sentiment_trend(&[0.0, -0.15]), Some(SentimentTrend::Down));
        assert_eq!(sentiment_trend(&[0.0, 0.05]), Some(SentimentTrend::Flat));
    }
}
