//! `searchTickets` and `searchConversations`: relevance-ranked connections whose
//! edges carry highlighted fragments.

use async_graphql::connection::{ConnectionNameType, EdgeNameType};
use async_graphql::{Context, Object, OutputType, Result, SimpleObject};

use super::tickets::TicketFilter;
use crate::auth::Scope;
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{db, require};
use crate::pagination::{Connection, PageRequest, TotalCount};
use crate::search::highlight::fragments;
use crate::search::{SearchQuery, conversations, tickets};

/// Fragments shown per hit.
const MAX_HIGHLIGHTS: usize = 3;

#[derive(Default)]
pub struct SearchQueryRoot;

/// Why an item matched a search.
#[derive(SimpleObject)]
pub struct SearchMatch {
    /// Fragments of the matching text with each match wrapped in `<em>...</em>`; the rest is HTML-escaped.
    pub highlights: Vec<String>,
    /// Relevance, higher is better (comparable within one search only).
    pub score: f64,
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
            let found = SearchMatch {
                highlights: highlights(texts, &search),
                score: -hit.rank,
            };
            (Ticket(hit.ticket), found)
        }))
    }

    /// Conversations whose subject or one of whose messages match, most relevant
    /// first. `exactMatch` matches the words as a phrase; otherwise all words must
    /// occur in the subject or in one message, in any form.
    #[graphql(complexity = "crate::limits::connection_cost(first, None, child_complexity)")]
    async fn search_conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to look for.")] query: String,
        #[graphql(desc = "Match the words as one phrase.", default_with = "Some(false)")]
        exact_match: Option<bool>,
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
        let db = db(ctx)?.clone();
        let tenant = viewer.tenant.clone();
        let hits = conversations::search(&db, &tenant, &search, &page).await?;
        let ids: Vec<i64> = hits.rows.iter().map(|(_, h)| h.conversation.id).collect();
        let mut messages = conversations::matching_messages(&db, &tenant, &search, &ids).await?;
        let counted = search.clone();
        let total = TotalCount::new(move || {
            let (db, tenant, search) = (db.clone(), tenant.clone(), counted.clone());
            async move { conversations::count(&db, &tenant, &search).await }
        });
        Ok(hits.into_connection(total, |hit| {
            let texts = messages.remove(&hit.conversation.id).unwrap_or_default();
            let subject = hit.conversation.subject.clone().unwrap_or_default();
            let all = std::iter::once(subject.as_str()).chain(texts.iter().map(String::as_str));
            let found = SearchMatch {
                highlights: highlights(all, &search),
                score: -hit.rank,
            };
            (Conversation(hit.conversation), found)
        }))
    }
}
