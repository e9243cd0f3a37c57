//! The language of a text, detected with whatlang's bundled models (no download,
//! no service), and which languages the sentiment model reads.

use isolang::Language;

/// A detected language: its ISO 639-1 code (`en`), or ISO 639-3 (`tgl`) for a
/// language without one, and how sure the detection is, 0 to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    pub code: String,
    pub confidence: f64,
}

/// Below this confidence a detection is a guess (a two-letter "ok" comes out as
/// Hungarian at 0.02); whatlang's own `is_reliable` is stricter than needed for
/// short English sentences, which score 0.3 to 0.5.
const MIN_CONFIDENCE: f64 = 0.25;

/// The language of `text`, when whatlang is sure enough of it (short or mixed texts
/// give no answer rather than a wrong one).
pub fn detect(text: &str) -> Option<Detected> {
    let info = whatlang::detect(text)
        .filter(|info| info.is_reliable() || info.confidence() >= MIN_CONFIDENCE)?;
    let iso3 = info.lang().code();
    let code = Language::from_639_3(iso3)
        .and_then(|l| l.to_639_1())
        .unwrap_or(iso3);
    Some(Detected {
        code: code.to_owned(),
        confidence: info.confidence(),
    })
}

/// Whether the sentiment model (VADER, an English lexicon) can read text in
/// `language` (a BCP 47 tag such as `en` or `en-GB`); unknown counts as English,
/// the language of nearly all text whose language is not known.
pub fn sentiment_reads(language: Option<&str>) -> bool {
    language.is_none_or(|tag| {
        let primary = tag.split(['-', '_']).next().unwrap_or(tag);
        primary.eq_ignore_ascii_case("en") || primary.eq_ignore_ascii_case("eng")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_common_languages_with_their_two_letter_codes() {
        let en = detect("My package never arrived and nobody answers my emails.").unwrap();
        assert_eq!(en.code, "en");
        assert!(en.confidence > 0.5);
        let fr = detect("Mon colis n'est jamais arrivé et personne ne répond à mes courriels.");
        assert_eq!(fr.unwrap().code, "fr");
        let de = detect("Mein Paket ist nie angekommen und niemand antwortet auf meine E-Mails.");
        assert_eq!(de.unwrap().code, "de");
        assert_eq!(detect(""), None);
        assert_eq!(detect("ok"), None, "too short to be sure");
    }

    #[test]
    fn sentiment_reads_english_only() {
        assert!(sentiment_reads(Some("en")) && sentiment_reads(Some("en-GB")));
        assert!(sentiment_reads(None));
        assert!(!sentiment_reads(Some("fr")) && !sentiment_reads(Some("de-AT")));
    }
}
