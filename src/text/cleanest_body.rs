//! `Ticket.cleanestBody`: the request alone, as seed 000 shows it ("Hey Mary. \n Would it
//! be possible...? \n Best, \n Robert \n CEO of Rosemary Inc." gives "Would it be
//! possible...?"). Markup, the greeting, quoted replies and the signature are removed.
//!
//! The rules, in order, on the text's trimmed lines:
//! 1. HTML (used only when there is no plain text) becomes text with `html2text`,
//!    without its `<blockquote>`s (the quoted message).
//! 2. Quoted replies: everything from a reply header ("On ... wrote:", in a few
//!    languages, possibly over two lines; "-----Original Message-----"; an Outlook
//!    "From:" header block) is cut, and every line starting with `>` is dropped.
//! 3. The greeting: "Hi Mary," / "Hey team." / "Dear Sir or Madam," at the start of
//!    the first line is removed (the rest of that line stays).
//! 4. The signature: everything from a `--` line, a sign-off line ("Best,", "Thanks,",
//!    "Regards,", "Best, Robert"...) or "Sent from my iPhone" is cut, as long as some
//!    body comes before it; then trailing name, title and phone lines ("Robert",
//!    "CEO of Rosemary Inc.", "+49 30 1234567") are dropped.
//! 5. Whitespace is collapsed within lines and blank lines between paragraphs.
//!
//! When the rules leave nothing (a message that is only "Thanks!"), the text without
//! its quoted part is kept rather than nothing.

use std::sync::LazyLock;

use regex::Regex;

use super::html::{Quotes, html_to_text};

/// A regex of this module (all are literals checked by the tests).
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}

/// Words that open a greeting, in the languages tickets arrive in.
const GREETING_WORDS: &str = concat!(
    r"(?i:hi|hey|hello|hallo|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)",
    r"|guten (?:morgen|tag|abend)|moin|servus|bonjour|bonsoir|salut|hola|buenos días|buenas tardes",
    r"|buenas|ciao|buongiorno|salve|olá|bom dia|hej|hoi)\b",
);

static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        concat!(
            r"^(?:",
            // "Dear ..." and "To whom it may concern" are greetings whatever follows, up to the comma.
            r"(?i:dear|to whom it may concern)\b[^,:;.!?]{{0,60}}[,:;.!]",
            // A whole line of greeting ending in a comma: "Bonjour à toute l'équipe,".
            r"|{words}[^,:;.!?]{{0,30}}[,:]$",
            // Or the greeting word, up to three names or "there", "team"..., then punctuation or the end.
            r"|{words}(?:[ \t]+(?:\p{{Lu}}[\p{{L}}'.-]*|(?i:there|team|all|everyone|folks|guys|support|again)))",
            r"{{0,3}}[ \t]*(?:[,:;.!]+|$)",
            r")[ \t]*",
        ),
        words = GREETING_WORDS
    ))
});

static PLEASANTRY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:i )?hope (?:you(?:'re| are)|this (?:e-?mail|message) finds you|all is)\b[^.!?]{0,60}[.!?]*[ \t]*",
    )
});

static REPLY_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^(?:",
        r"(?:on|le|el|il|op|em)\b.{0,250}\b(?:wrote|a écrit|escribió|ha scritto|schreef|escreveu)\s*:",
        r"|am\b.{0,250}\bschrieb\b.{0,150}:",
        r"|-{2,}\s*original message\s*-{2,}",
        r"|_{10,}",
        r")$",
    ))
});

static HEADER_FROM: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(?:from|von|de)\s*:\s*\S"));
static HEADER_NEXT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?:sent|date|to|subject|cc|gesendet|envoyé)\s*:"));

static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?i:",
        r"best|best regards|best wishes|kind regards|kindest regards|warm regards|warmest regards",
        r"|regards|many thanks|thanks|thank you|thanks a lot|thanks so much|thank you so much",
        r"|thanks again|thanks in advance|thank you in advance|cheers|sincerely|sincerely yours",
        r"|yours sincerely|yours truly|yours|all the best|take care|talk soon|br|thx|respectfully",
        r"|mit freundlichen grüßen|viele grüße|liebe grüße|danke|vielen dank|cordialement|merci",
        r"|merci beaucoup|bien à vous|saludos|un saludo|gracias|muchas gracias|grazie|obrigado",
        r"|obrigada|groetjes",
        r")",
        // Alone ("Best,"), or followed on the same line by a name ("Best, Robert").
        r"(?:[ \t]*[,.!]*|[,!][ \t]*\p{Lu}[\p{L}'.-]*(?:[ \t]+\p{Lu}[\p{L}'.-]*){0,2})$",
    ))
});

static DEVICE_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:sent from my|sent from outlook|get outlook for|sent via|sent with)\b")
});

static NAME_LINE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\p{Lu}[\p{L}'.-]*(?:[ \t]+\p{Lu}[\p{L}'.-]*){0,2}$"));

static TITLE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\b(?:ceo|cto|cfo|coo|cio|vp|svp|founder|co-founder|president|owner|manager|director",
        r"|head of|engineer|specialist|coordinator|officer|consultant|administrator|accountant",
        r"|inc|ltd|llc|gmbh|corp|plc|s\.a|b\.v)\b",
    ))
});

static CONTACT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^(?:",
        r"(?:tel|phone|mobile|cell|fax|m|t)\s*:\s*\+?[\d(].*",
        r"|\+\d[\d \t().-]{6,}",
        r"|\(?\d{2,4}\)?[ \t.-]\d[\d \t.-]{4,}\d",
        r")$",
    ))
});

/// The cleanest body of a ticket: of `text`, or of `html` when there is no text.
/// `None` when neither holds any words.
pub fn cleanest_body(text: &str, html: Option<&str>) -> Option<String> {
    let source = if text.trim().is_empty() {
        html_to_text(html?, Quotes::Drop)
    } else {
        text.to_owned()
    };
    let lines: Vec<String> = source
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let unquoted = without_quotes(lines);
    let mut body = strip_greeting(unquoted.clone());
    body = cut_signature(body);
    let cleaned = join(&body);
    if !cleaned.is_empty() {
        return Some(cleaned);
    }
    Some(join(&unquoted)).filter(|s| !s.is_empty())
}

/// The lines before the first reply header, without `>` quoted lines.
fn without_quotes(lines: Vec<String>) -> Vec<String> {
    let mut kept = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map_or("", String::as_str);
        let header = REPLY_HEADER.is_match(line)
            // Mail clients wrap a long "On <date>, <name> <email> wrote:" over two lines.
            || (REPLY_HEADER.is_match(&format!("{line} {next}")) && is_reply_start(line))
            || (HEADER_FROM.is_match(line)
                && lines[i + 1..]
                    .iter()
                    .take(4)
                    .any(|l| HEADER_NEXT.is_match(l)));
        if header {
            break;
        }
        if !line.starts_with('>') {
            kept.push(line.clone());
        }
    }
    kept
}

fn is_reply_start(line: &str) -> bool {
    let lower = line.to_lowercase();
    ["on ", "le ", "am ", "el ", "il ", "op ", "em "]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Removes the greeting (and a "hope you are well") from the first line with words.
fn strip_greeting(mut lines: Vec<String>) -> Vec<String> {
    let Some(first) = lines.iter().position(|l| !l.is_empty()) else {
        return lines;
    };
    let rest = match GREETING.find(&lines[first]) {
        Some(m) => lines[first][m.end()..].to_owned(),
        None => return lines,
    };
    let rest = match PLEASANTRY.find(&rest) {
        Some(m) => rest[m.end()..].to_owned(),
        None => rest,
    };
    lines[first] = rest;
    // "Hi Mary,\nHope you are well.\n..." : the pleasantry on its own line goes too.
    if let Some(next) = lines.iter().position(|l| !l.is_empty())
        && let Some(m) = PLEASANTRY.find(&lines[next])
        && m.end() == lines[next].len()
    {
        lines[next].clear();
    }
    lines
}

/// Cuts the signature: from a `--` line, a sign-off or a device footer that follows
/// some body, then trailing name, title and contact lines.
fn cut_signature(mut lines: Vec<String>) -> Vec<String> {
    let mut seen_body = false;
    let mut cut = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let is_marker = line == "--" || line == "—" || DEVICE_FOOTER.is_match(line);
        if is_marker || (seen_body && SIGN_OFF.is_match(line)) {
            cut = i;
            break;
        }
        seen_body |= !line.is_empty();
    }
    lines.truncate(cut);
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    // Without a sign-off a signature is still recognisable from the end: a name, a
    // title, a phone number; at most four such lines, and never the first line.
    // Emails and links are kept: at the end of a body they are often the point.
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(0);
    let mut dropped = 0;
    while dropped < 4 && lines.len() > first + 1 {
        let Some(last) = lines.last() else { break };
        if !is_signature_line(last) {
            break;
        }
        lines.pop();
        dropped += 1;
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
    }
    lines
}

fn is_signature_line(line: &str) -> bool {
    let words = line.split_whitespace().count();
    if words == 0 || line.ends_with('?') || line.ends_with('!') {
        return false;
    }
    NAME_LINE.is_match(line)
        || CONTACT_LINE.is_match(line)
        || (words <= 8 && TITLE_LINE.is_match(line) && !ends_a_sentence(line))
}

/// Whether `line` ends like a sentence ("Our engineer said so.") rather than a title
/// ("CEO of Rosemary Inc.").
fn ends_a_sentence(line: &str) -> bool {
    let lower = line.to_lowercase();
    let abbreviation = [" inc.", " ltd.", " corp.", " co.", " s.a.", " b.v."]
        .iter()
        .any(|a| lower.ends_with(a));
    (line.ends_with('.') && !abbreviation) || line.ends_with(':')
}

/// The lines as text: blank lines between paragraphs collapsed to one.
fn join(lines: &[String]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        out.push_str(line);
        blank = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cleanest_body;

    fn clean(text: &str) -> String {
        cleanest_body(text, None).unwrap_or_default()
    }

    #[test]
    fn the_seed_examples() {
        assert_eq!(
            clean(
                "Hey Mary. \n Would it be possible to delete a user from the company settings page? \n Best, \n Robert \n CEO of Rosemary Inc. \n"
            ),
            "Would it be possible to delete a user from the company settings page?"
        );
        assert_eq!(
            clean(
                "Hey Gary. \n What's the price of adding another superuser? \n Best, \n Bill \n CEO of Mirrors Inc. \n"
            ),
            "What's the price of adding another superuser?"
        );
        assert_eq!(
            clean(
                "Hey John. \n Is it possible to reduce the price? \n Best, \n Francis \n CTO of EndUp Inc. \n"
            ),
            "Is it possible to reduce the price?"
        );
        // Seed 000's HTML, broken `<\br>` tags included.
        assert_eq!(
            cleanest_body(
                "",
                Some(
                    "<div> Hey Gary. <\\br> What's the price of adding another superuser? <\\br> Best, <\\br> Bill \n CEO of Mirrors Inc. \n </div>"
                )
            )
            .as_deref(),
            Some("What's the price of adding another superuser?")
        );
    }

    #[test]
    fn greetings_go_and_the_rest_of_their_line_stays() {
        assert_eq!(
            clean("Hi team, my invoice for March is missing.\nThanks,\nAnna"),
            "my invoice for March is missing."
        );
        assert_eq!(
            clean("Hello there! The export button does nothing."),
            "The export button does nothing."
        );
        assert_eq!(
            clean(
                "Dear Sir or Madam,\n\nI was charged twice for order 4411.\n\nKind regards,\nJane Doe"
            ),
            "I was charged twice for order 4411."
        );
        assert_eq!(
            clean(
                "Good morning Support,\nI hope you are doing well.\nOur SSO login fails since Monday.\nCheers, Tom"
            ),
            "Our SSO login fails since Monday."
        );
        // Not a greeting: "Hi" followed by the request itself.
        assert_eq!(
            clean("Hi I want to cancel my plan."),
            "Hi I want to cancel my plan."
        );
        assert_eq!(
            clean("Hey, is it possible to add SSO?"),
            "is it possible to add SSO?"
        );
        assert_eq!(
            clean(
                "Bonjour à toute l'équipe,\nJe ne reçois plus les factures.\nMerci,\nCordialement,\nLuc"
            ),
            "Je ne reçois plus les factures."
        );
        assert_eq!(
            clean("Hallo zusammen,\nDer Export bricht ab.\nViele Grüße\nJonas"),
            "Der Export bricht ab."
        );
    }

    #[test]
    fn quoted_replies_are_cut() {
        let gmail = "Hi Sam,\n\nThat worked, but now the report is empty.\n\nOn Tue, Mar 5, 2024 at 10:12 AM Sam Support <sam@acme.io> wrote:\n> Please clear your cache and try again.\n> Best, Sam\n";
        assert_eq!(clean(gmail), "That worked, but now the report is empty.");
        let wrapped = "Still broken.\nOn Tue, Mar 5, 2024 at 10:12 AM Sam Support <\nsam@acme.io> wrote:\n> Try again.";
        assert_eq!(clean(wrapped), "Still broken.");
        let outlook = "The import still fails with error 502.\n\nRegards,\nPeter\n\nFrom: Acme Support <help@acme.io>\nSent: Monday, March 4, 2024 9:00 AM\nTo: Peter\nSubject: Re: Import\n\nHi Peter, can you retry?";
        assert_eq!(clean(outlook), "The import still fails with error 502.");
        let interleaved =
            "> Which browser do you use?\nFirefox 124.\n> And which plan?\nThe Pro plan.";
        assert_eq!(clean(interleaved), "Firefox 124.\nThe Pro plan.");
        let original = "Please cancel.\n-----Original Message-----\nFrom: x";
        assert_eq!(clean(original), "Please cancel.");
        let german = "Es geht immer noch nicht.\n\nAm 05.03.2024 um 10:12 schrieb Sam Support <sam@acme.io>:\n> Bitte erneut versuchen.";
        assert_eq!(clean(german), "Es geht immer noch nicht.");
    }

    #[test]
    fn signatures_are_cut() {
        assert_eq!(
            clean(
                "The app crashes when I upload a photo.\n--\nMaria Lopez\nProduct Manager, Lopez GmbH\n+49 30 1234567"
            ),
            "The app crashes when I upload a photo."
        );
        assert_eq!(
            clean("Can you reset my password?\n\nSent from my iPhone"),
            "Can you reset my password?"
        );
        // No sign-off: name, title and phone lines at the end still go.
        assert_eq!(
            clean(
                "Where can I download my invoices?\nRobert Miles\nCEO of Rosemary Inc.\n555-123-4567"
            ),
            "Where can I download my invoices?"
        );
        // A sentence that mentions a job is not a title line.
        assert_eq!(
            clean("The invoice total is wrong.\nOur finance manager noticed it today."),
            "The invoice total is wrong.\nOur finance manager noticed it today."
        );
        // A thank-you inside the body is not a sign-off.
        assert_eq!(
            clean(
                "Thanks for the quick fix yesterday.\nThe sync is slow again today.\nThanks!\nLea"
            ),
            "Thanks for the quick fix yesterday.\nThe sync is slow again today."
        );
        // Paragraphs survive, collapsed to one blank line.
        assert_eq!(
            clean(
                "Hello,\n\nFirst, the login page is blank.\n\n\n\nSecond, the API returns 500.\n\nBest regards,\nKim"
            ),
            "First, the login page is blank.\n\nSecond, the API returns 500."
        );
    }

    #[test]
    fn html_emails_lose_their_markup() {
        let html = r#"<html><body><p>Hi Mary,</p><p>Our <b>billing page</b> shows the wrong <a href="https://x.io/plan">plan</a> &amp; currency.</p><p>Best,<br>Robert<br>CEO of Rosemary Inc.</p><div class="gmail_quote">On Mon, Jan 8, 2024 Mary wrote:<blockquote>How can I help?</blockquote></div></body></html>"#;
        assert_eq!(
            cleanest_body("", Some(html)).as_deref(),
            Some("Our billing page shows the wrong plan & currency.")
        );
        // A quoted block without a reply header is left out too.
        assert_eq!(
            cleanest_body(
                "",
                Some("<div>Yes, order 881.<blockquote>Which order?</blockquote></div>")
            )
            .as_deref(),
            Some("Yes, order 881.")
        );
        // Plain text wins over HTML when both are given.
        assert_eq!(
            cleanest_body("Is there an API?", Some("<p>other</p>")).as_deref(),
            Some("Is there an API?")
        );
    }

    #[test]
    fn nothing_left_keeps_the_text_and_empty_is_none() {
        assert_eq!(clean("Hi Mary,\nThanks!"), "Thanks!");
        assert_eq!(cleanest_body("  \n ", None), None);
        assert_eq!(cleanest_body("", Some("<p> </p>")), None);
        assert_eq!(cleanest_body("", None), None);
    }
}
