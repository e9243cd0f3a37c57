//! `searchTickets` and `searchConversations`: relevance-ranked connections whose
//! edges carry highlighted fragments.

use async_graphql::connection::{ConnectionNameType, EdgeNameType};
use async_graphql::{Context, Enum, Object, OutputType, Result, SimpleObject};

use super::conversations::ConversationFilter;
use super::tickets::TicketFilter;
use crate::auth::Scope;
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::message::Message;
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{db, require};
use crate::pagination::{Connection, PageRequest, TotalCount};
use crate::search::highlight::fragments;
use crate::search::{SearchQuery, conversations, tickets};

/// Fragments shown per hit.
const MAX_HIGHLIGHTS: usize = 3;

#[derive(Default)]
pub struct SearchQueryRoot;

/// Matching messages listed per conversation hit.
const MAX_INNER_HITS: usize = 5;

/// Why an item matched a search.
#[derive(SimpleObject)]
pub struct SearchMatch {
    /// Fragments of the matching text with each match wrapped in `<em>...</em>`; the rest is HTML-escaped.
    pub highlights: Vec<String>,
    /// Relevance, higher is better (comparable within one search only).
    pub score: f64,
    /// Where it matched: each matching field (and, for a conversation, each of its
    /// best matching messages, at most 5), with its own highlights.
    pub inner_hits: Vec<SearchInnerHit>,
}

/// The part of a hit that matched.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SearchField {
    /// A conversation's subject.
    Subject,
    /// The text of one of a conversation's messages (`message`).
    Message,
    /// A ticket's original text.
    OriginalText,
    /// A ticket's cleanest body.
    CleanestBody,
}

/// One field or message of a hit that matched the search.
#[derive(SimpleObject)]
pub struct SearchInnerHit {
    /// Which part matched.
    pub field: SearchField,
    /// The message that matched, when `field` is MESSAGE.
    pub message: Option<Message>,
    /// Fragments of this part with each match wrapped in `<em>...</em>`.
    pub highlights: Vec<String>,
}

impl SearchInnerHit {
    fn of(field: SearchField, text: &str, query: &SearchQuery) -> SearchInnerHit {
        SearchInnerHit {
            field,
            message: None,
            highlights: fragments(text, query, MAX_HIGHLIGHTS),
        }
    }
}

macro_rules! names {
    ($conn:ident, $edge:ident, $conn_name:literal, $edge_name:literal) => {
        /// Names a search connection.
        pub struct $conn;
        impl ConnectionNameType for $conn {
            fn type_name<T: OutputType>() -> String {
                $conn_name.into()
            }
        }
        /// Names a search edge.
        pub struct $edge;
        impl EdgeNameType for $edge {
            fn type_name<T: OutputType>() -> String {
                $edge_name.into()
            }
        }
    };
}

names!(
    TicketSearchConnectionName,
    TicketSearchEdgeName,
    "TicketSearchConnection",
    "TicketSearchEdge"
);
names!(
    ConversationSearchConnectionName,
    ConversationSearchEdgeName,
    "ConversationSearchConnection",
    "ConversationSearchEdge"
);

/// Fragments of `texts`, in order, without repeats, at most MAX_HIGHLIGHTS.
fn highlights<'a>(texts: impl IntoIterator<Item = &'a str>, query: &SearchQuery) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in texts {
        for fragment in fragments(text, query, MAX_HIGHLIGHTS) {
            if out.len() < MAX_HIGHLIGHTS && !out.contains(&fragment) {
                out.push(fragment);
            }
        }
    }
    out
}

#[Object]
impl SearchQueryRoot {
    /// Tickets whose text or cleanest body match, most relevant first. `exactMatch`
    /// matches the words as a phrase; otherwise all words must occur, in any form
    /// ("refunds" finds "refund").
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::limits::connection_cost(first, None, child_complexity)")]
    async fn search_tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to look for.")] query: String,
        #[graphql(desc = "Match the words as one phrase.", default_with = "Some(false)")]
        exact_match: Option<bool>,
        #[graphql(desc = "Which tickets to search.")] filter: Option<TicketFilter>,
        #[graphql(desc = "Return at most this many hits (default 20, at most 100).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
    ) -> Result<Connection<Ticket, SearchMatch, TicketSearchConnectionName, TicketSearchEdgeName>>
    {
        let viewer = require(ctx, Scope::TicketRead)?;
        let search = SearchQuery::parse(&query, exact_match.unwrap_or(false))?;
        let page = PageRequest::new(first, after, None, None)?;
        let select = filter.unwrap_or_default().select(&viewer.tenant)?;
        let db = db(ctx)?.clone();
        let hits = tickets::search(&db, select.clone(), &search, &page).await?;
        let counted = search.clone();
        let total = TotalCount::new(move || {
            let (db, select, search) = (db.clone(), select.clone(), counted.clone());
            async move { tickets::count(&db, select, &search).await }
        });
        Ok(hits.into_connection(total, |hit| {
            let t = &hit.ticket;
            let texts = t
                .cleanest_body
                .as_deref()
                .into_iter()
                .chain([t.original_text.as_str()]);
            let inner_hits = [
                (SearchField::CleanestBody, t.cleanest_body.as_deref()),
                (SearchField::OriginalText, Some(t.original_text.as_str())),
            ]
            .into_iter()
            .filter_map(|(field, text)| Some(SearchInnerHit::of(field, text?, &search)))
            .filter(|inner| !inner.highlights.is_empty())
            .collect();
            let found = SearchMatch {
                highlights: highlights(texts, &search),
                score: -hit.rank,
                inner_hits,
            };
            (Ticket(hit.ticket), found)
        }))
    }

    /// Conversations whose subject or one of whose messages match, most relevant
    /// first. `exactMatch` matches the words as a phrase; otherwise all words must
    /// occur in the subject or in one message, in any form. `filter` narrows the
    /// search as it narrows `conversations` (state, assignee, queue, tag, dates...).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::limits::connection_cost(first, None, child_complexity)")]
    async fn search_conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to look for.")] query: String,
        #[graphql(desc = "Match the words as one phrase.", default_with = "Some(false)")]
        exact_match: Option<bool>,
        #[graphql(desc = "Which conversations to search.")] filter: Option<ConversationFilter>,
        #[graphql(desc = "Return at most this many hits (default 20, at most 100).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
    ) -> Result<
        Connection<
            Conversation,
            SearchMatch,
            ConversationSearchConnectionName,
            ConversationSearchEdgeName,
        >,
    > {
        let viewer = require(ctx, Scope::ConversationRead)?;
        let search = SearchQuery::parse(&query, exact_match.unwrap_or(false))?;
        let page = PageRequest::new(first, after, None, None)?;
        let select = filter.unwrap_or_default().select(&viewer.tenant)?;
        let db = db(ctx)?.clone();
        let tenant = viewer.tenant.clone();
        let hits = conversations::search(&db, select.clone(), &tenant, &search, &page).await?;
        let ids: Vec<i64> = hits.rows.iter().map(|(_, h)| h.conversation.id).collect();
        let mut messages = conversations::matching_messages(&db, &tenant, &search, &ids).await?;
        let counted = search.clone();
        let total = TotalCount::new(move || {
            let (db, select, tenant, search) =
                (db.clone(), select.clone(), tenant.clone(), counted.clone());
            async move { conversations::count(&db, select, &tenant, &search).await }
        });
        Ok(hits.into_connection(total, |hit| {
            let matched = messages.remove(&hit.conversation.id).unwrap_or_default();
            let subject = hit.conversation.subject.clone().unwrap_or_default();
            let all =
                std::iter::once(subject.as_str()).chain(matched.iter().map(|m| m.text.as_str()));
            let highlights = highlights(all, &search);
            let subject_hit = Some(SearchInnerHit::of(SearchField::Subject, &subject, &search))
                .filter(|inner| !inner.highlights.is_empty());
            let message_hits = matched.into_iter().take(MAX_INNER_HITS).map(|m| {
                let inner = SearchInnerHit::of(SearchField::Message, &m.text, &search);
                SearchInnerHit {
                    message: Some(Message(m)),
                    ..inner
                }
            });
            let found = SearchMatch {
                highlights,
                score: -hit.rank,
                inner_hits: subject_hit.into_iter().chain(message_hits).collect(),
            };
            (Conversation(hit.conversation), found)
        }))
    }
}
