//! HTML bodies: sanitized on `ammonia` when written, read as plain text on
//! `html2text` (the one reading, for a message's derived text, a ticket's text and
//! its cleanest body).

use std::sync::LazyLock;

use html2text::Handle;
use html2text::render::TrivialDecorator;
use regex::Regex;

/// Width html2text lays text out in: wide, so paragraphs stay on one line.
const WIDTH: usize = 10_000;

/// What HTML bodies keep: ammonia's defaults, the formatting, links and images
/// of ordinary mail, without scripts, styles, event handlers or `javascript:` URLs.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(ammonia::Builder::default);

/// `html` safe to show in a browser: whatever would run or restyle the page is
/// removed, formatting kept. HTML is sanitized when written (the API keeps no
/// unsanitized original), so every reader gets the same safe body.
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Whether `<blockquote>`s are read: in an email they hold the quoted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quotes {
    Keep,
    Drop,
}

/// The text of an HTML document as html2text lays it out: one paragraph per line and
/// a blank line between paragraphs; tags, scripts and styles gone, entities decoded.
pub fn html_to_text(html: &str, quotes: Quotes) -> String {
    // `<\br>` and `<br\>` occur in real exports (seed 000 has one); read them as `<br>`.
    static BROKEN_BR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)<\\?\s*br\s*\\?/?\s*>").unwrap_or_else(|e| panic!("bad pattern: {e}"))
    });
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[^>]*>").unwrap_or_else(|e| panic!("bad pattern: {e}")));
    let html = BROKEN_BR.replace_all(html, "<br>");
    let config = html2text::config::with_decorator(TrivialDecorator::new())
        .allow_width_overflow()
        .no_table_borders();
    let text = config.parse_html(html.as_bytes()).and_then(|dom| {
        if quotes == Quotes::Drop {
            drop_blockquotes(&dom.document);
        }
        config.render_to_string(config.dom_to_render_tree(&dom)?, WIDTH)
    });
    // html2text fails only on pathological input (nesting deeper than it renders).
    let text = text.unwrap_or_else(|_| TAG.replace_all(&html, " ").into_owned());
    // A horizontal rule is laid out as a line of `─` as wide as the layout.
    text.lines()
        .map(|line| {
            if line.chars().all(|c| c == '─') {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A message's plain text from its HTML body: every line with words, its white space
/// collapsed (non-breaking spaces included), without blank lines.
pub fn text_of_html(html: &str) -> String {
    html_to_text(html, Quotes::Keep)
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removes every `<blockquote>` below `node`.
fn drop_blockquotes(node: &Handle) {
    node.children
        .borrow_mut()
        .retain(|child| child.element_name().as_deref() != Some("blockquote"));
    for child in node.children.borrow().iter() {
        drop_blockquotes(child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_readable_text() {
        let html = "<html><head><style>p { color: red }</style></head><body>\
            <p>Hi&nbsp;team,</p><p>My order <b>#123</b> hasn&#39;t arrived &amp; I&#x27;m worried.</p>\
            <script>alert(1)</script><div>Thanks<br>Anna</div></body></html>";
        assert_eq!(
            text_of_html(html),
            "Hi team,\nMy order #123 hasn't arrived & I'm worried.\nThanks\nAnna"
        );
        assert_eq!(text_of_html("<p>  </p>"), "");
        assert_eq!(text_of_html("a &lt; b &amp; c <!-- x --> d"), "a < b & c d");
        assert_eq!(text_of_html("<p>a</p><hr><p>b</p>"), "a\nb");
        assert_eq!(
            text_of_html("<ul><li>one</li><li>two</li></ul><table><tr><td>x</td></tr></table>"),
            "one\ntwo\nx"
        );
    }

    #[test]
    fn html_keeps_formatting_and_loses_what_runs() {
        let html = r#"<p onclick="steal()" style="position:fixed">Hi <b>there</b>, <i>see</i>
            <a href="javascript:alert(1)">this</a> and <a href="https://x.io/a">that</a>.</p>
            <script>alert(document.cookie)</script><style>body{display:none}</style>
            <img src="x" onerror="alert(1)"><iframe src="https://evil.example"></iframe>
            <ul><li>one</li></ul><svg onload="alert(1)"></svg>"#;
        let clean = sanitize_html(html);
        for gone in [
            "onclick",
            "steal",
            "script",
            "alert",
            "style",
            "display",
            "onerror",
            "iframe",
            "javascript",
            "svg",
            "onload",
        ] {
            assert!(!clean.contains(gone), "{gone} left in {clean}");
        }
        for kept in [
            "<p>",
            "<b>there</b>",
            "<i>see</i>",
            r#"href="https://x.io/a""#,
            "<li>one</li>",
        ] {
            assert!(clean.contains(kept), "{kept} lost from {clean}");
        }
    }

    #[test]
    fn quotes_are_read_or_left_out() {
        let html = "<div>Yes, order 881.<blockquote>Which order?</blockquote></div>";
        assert_eq!(text_of_html(html), "Yes, order 881.\nWhich order?");
        assert_eq!(html_to_text(html, Quotes::Drop).trim(), "Yes, order 881.");
    }

    #[test]
    fn broken_line_breaks_are_line_breaks() {
        assert_eq!(text_of_html("a<\\br>b<br\\>c"), "a\nb\nc");
    }
}
