//! Composing text: which lines a conversation draws from, filling their placeholders,
//! and laying out a message as chat text or as email with HTML.

use rand_chacha::ChaCha8Rng;

use super::text::{self, Case, Line, Topic};
use super::{mean, pick_ref};

/// What a conversation says: its topic and case, and the lines around them, in English or
/// from the phrasebook of its language.
pub(super) struct Script {
    pub(super) translated: bool,
    pub(super) topic: &'static Topic,
    pub(super) case: &'static Case,
    /// Another case of the topic, for a second ticket.
    pub(super) other: &'static Case,
    pub(super) greetings: &'static [&'static str],
    pub(super) follow_ups: &'static [Line],
    pub(super) thanks: &'static [Line],
    pub(super) frustration: &'static [Line],
    pub(super) agent_greetings: &'static [Line],
    pub(super) outreach: &'static [Line],
    pub(super) agent_follow_ups: &'static [Line],
    pub(super) closings: &'static [Line],
}

impl Script {
    pub(super) fn new(rng: &mut ChaCha8Rng, language: &str) -> Self {
        if let Some(book) = text::PHRASEBOOKS.iter().find(|p| p.language == language) {
            let (topic, case) = pick_ref(rng, book.cases);
            let (_, other) = pick_ref(rng, book.cases);
            return Self {
                translated: true,
                topic: &text::TOPICS[*topic],
                case,
                other,
                greetings: book.greetings,
                follow_ups: book.follow_ups,
                thanks: book.thanks,
                frustration: book.frustration,
                agent_greetings: book.agent_greetings,
                outreach: book.outreach,
                agent_follow_ups: book.agent_follow_ups,
                closings: book.closings,
            };
        }
        let topic = pick_ref(rng, text::TOPICS);
        Self {
            translated: false,
            topic,
            case: pick_ref(rng, topic.cases),
            other: pick_ref(rng, topic.cases),
            greetings: text::CUSTOMER_GREETINGS,
            follow_ups: text::CUSTOMER_FOLLOW_UPS,
            thanks: text::CUSTOMER_THANKS,
            frustration: text::CUSTOMER_FRUSTRATION,
            agent_greetings: text::AGENT_GREETINGS,
            outreach: text::AGENT_OUTREACH,
            agent_follow_ups: text::AGENT_FOLLOW_UPS,
            closings: text::AGENT_CLOSINGS,
        }
    }
}

/// The values a conversation's templates are filled with.
pub(super) struct Vars<'a> {
    pub(super) first: &'a str,
    pub(super) agent: &'a str,
    pub(super) org: &'a str,
    pub(super) product: &'static str,
    pub(super) app: &'static str,
    pub(super) plan: &'static str,
    pub(super) error: &'static str,
    pub(super) order: String,
    pub(super) amount: String,
    pub(super) days: String,
}

impl Vars<'_> {
    pub(super) fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        self.fill_into(&mut out, template);
        out
    }

    pub(super) fn fill_into(&self, out: &mut String, template: &str) {
        let start = out.len();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            let key = &rest[open + 1..open + close];
            out.push_str(match key {
                "first" => self.first,
                "agent" => self.agent,
                "org" => self.org,
                "product" => self.product,
                "app" => self.app,
                "plan" => self.plan,
                "error" => self.error,
                "order" => &self.order,
                "amount" => &self.amount,
                "days" => &self.days,
                _ => &rest[open..=open + close],
            });
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        // A sentence that starts with a placeholder ("{app} crashes") starts with a capital.
        if template.starts_with('{')
            && let Some(first) = out[start..].chars().next()
            && first.is_lowercase()
        {
            let upper: String = first.to_uppercase().collect();
            out.replace_range(start..start + first.len_utf8(), &upper);
        }
    }
}

/// The text of a message under construction: chat lines run on, email lines are paragraphs.
pub(super) struct Body {
    email: bool,
    text: String,
    sentiments: Vec<f64>,
}

impl Body {
    pub(super) fn new(email: bool) -> Self {
        Self {
            email,
            text: String::with_capacity(256),
            sentiments: Vec::with_capacity(4),
        }
    }

    fn separate(&mut self) {
        if self.email && !self.text.is_empty() {
            self.text.push_str("\n\n");
        } else if self.text.ends_with(',') {
            // A chat message puts its greeting ("Hi Anna,") on a line of its own.
            self.text.push('\n');
        } else if !self.text.is_empty() {
            self.text.push(' ');
        }
    }

    pub(super) fn push(&mut self, vars: &Vars<'_>, template: &str, sentiment: Option<f64>) {
        self.separate();
        vars.fill_into(&mut self.text, template);
        self.sentiments.extend(sentiment);
    }

    pub(super) fn line(&mut self, vars: &Vars<'_>, (template, sentiment): Line) {
        self.push(vars, template, Some(sentiment));
    }

    pub(super) fn push_raw(&mut self, filled: &str, sentiments: &[f64]) {
        self.separate();
        self.text.push_str(filled);
        self.sentiments.extend_from_slice(sentiments);
    }

    pub(super) fn signoff(&mut self, closing: &str, name: &str) {
        self.separate();
        self.text.push_str(closing);
        self.text.push('\n');
        self.text.push_str(name);
    }

    pub(super) fn sentiment(&self) -> f64 {
        mean(&self.sentiments)
    }

    /// The text, and for email its HTML: one paragraph per block, `<br>` per line break.
    pub(super) fn finish(self) -> (String, Option<String>) {
        let html = self.email.then(|| {
            let mut html = String::with_capacity(self.text.len() + 64);
            for paragraph in self.text.split("\n\n") {
                html.push_str("<p>");
                for (i, line) in paragraph.split('\n').enumerate() {
                    if i > 0 {
                        html.push_str("<br>");
                    }
                    escape_html_into(&mut html, line);
                }
                html.push_str("</p>");
            }
            html
        });
        (self.text, html)
    }
}

pub(super) fn escape_html_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}
