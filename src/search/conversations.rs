//! Ranked conversation search over subjects and message text: a conversation
//! matches when its subject or one of its messages does.

use std::collections::HashMap;

use entity::conversation;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, Statement, Value};

use super::SearchQuery;
use super::tickets::{check_cursor, cursor};
use crate::error::Result;
use crate::pagination::{KeyPart, Page, PageRequest};

/// A conversation that matched, with its rank (lower is better).
#[derive(Debug, Clone)]
pub struct ConversationHit {
    pub conversation: conversation::Model,
    pub rank: f64,
}

/// `SELECT cid, score` of every matching subject and message of the tenant.
/// Placeholders: {p}1 the query, {p}2 the tenant.
fn scores(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Sqlite => {
            "SELECT m.conversation_id AS cid, bm25(message_fts) AS score FROM message_fts \
             JOIN messages m ON m.id = message_fts.rowid WHERE message_fts MATCH ?1 AND m.tenant_id = ?2 \
             UNION ALL \
             SELECT c2.id AS cid, bm25(conversation_fts) AS score FROM conversation_fts \
             JOIN conversations c2 ON c2.id = conversation_fts.rowid WHERE conversation_fts MATCH ?1 AND c2.tenant_id = ?2"
        }
        _ => "",
    }
}

fn pg_scores(exact: bool) -> String {
    let function = if exact {
        "phraseto_tsquery"
    } else {
        "plainto_tsquery"
    };
    format!(
        "SELECT m.conversation_id AS cid, (-ts_rank(m.search, q))::float8 AS score \
         FROM messages m, {function}('english', $1) q WHERE m.search @@ q AND m.tenant_id = $2 \
         UNION ALL \
         SELECT c2.id AS cid, (-ts_rank(c2.search, q))::float8 AS score \
         FROM conversations c2, {function}('english', $1) q WHERE c2.search @@ q AND c2.tenant_id = $2"
    )
}

fn union(backend: DbBackend, query: &SearchQuery) -> String {
    match backend {
        DbBackend::Sqlite => scores(backend).to_owned(),
        _ => pg_scores(query.exact),
    }
}

fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Sqlite => format!("?{n}"),
        _ => format!("${n}"),
    }
}

/// One page of the tenant's conversations matching `query`, best first.
pub async fn search(
    db: &DatabaseConnection,
    tenant: &str,
    query: &SearchQuery,
    page: &PageRequest,
) -> Result<Page<ConversationHit>> {
    check_cursor(page)?;
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![query.bound(backend).into(), tenant.into()];
    let mut cut = String::new();
    if let Some([KeyPart::Int(bits), KeyPart::Int(id)]) =
        page.after.as_ref().map(|c| c.0.as_slice())
    {
        cut = format!(
            " AND (h.rank, c.id) > ({}, {})",
            placeholder(backend, 3),
            placeholder(backend, 4)
        );
        values.push(f64::from_bits(*bits as u64).into());
        values.push((*id).into());
    }
    values.push((page.limit as i64 + 1).into());
    let limit = placeholder(backend, values.len());
    let sql = format!(
        "SELECT c.*, h.rank AS rank FROM conversations c \
         JOIN (SELECT cid, MIN(score) AS rank FROM ({}) u GROUP BY cid) h ON h.cid = c.id \
         WHERE c.tenant_id = {}{cut} ORDER BY h.rank, c.id LIMIT {limit}",
        union(backend, query),
        placeholder(backend, 2),
    );
    let mut rows = Vec::new();
    for row in db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    {
        let conversation = conversation::Model::from_query_result(&row, "")?;
        let rank: f64 = row.try_get("", "rank")?;
        rows.push((
            cursor(rank, conversation.id),
            ConversationHit { conversation, rank },
        ));
    }
    Ok(page.finish(rows))
}

/// How many of the tenant's conversations match `query`.
pub async fn count(db: &DatabaseConnection, tenant: &str, query: &SearchQuery) -> Result<i64> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT COUNT(DISTINCT cid) AS n FROM ({}) u",
        union(backend, query)
    );
    let values: Vec<Value> = vec![query.bound(backend).into(), tenant.into()];
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// The text of matching messages of `conversations`, best first, by conversation.
pub async fn matching_messages(
    db: &DatabaseConnection,
    tenant: &str,
    query: &SearchQuery,
    conversations: &[i64],
) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if conversations.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![query.bound(backend).into(), tenant.into()];
    let list: Vec<String> = conversations
        .iter()
        .map(|id| {
            values.push((*id).into());
            placeholder(backend, values.len())
        })
        .collect();
    let list = list.join(", ");
    let sql = match backend {
        DbBackend::Sqlite => format!(
            "SELECT m.conversation_id AS cid, m.text AS text FROM message_fts JOIN messages m ON m.id = message_fts.rowid \
             WHERE message_fts MATCH ?1 AND m.tenant_id = ?2 AND m.conversation_id IN ({list}) \
             ORDER BY bm25(message_fts), m.id"
        ),
        _ => {
            let function = if query.exact {
                "phraseto_tsquery"
            } else {
                "plainto_tsquery"
            };
            format!(
                "SELECT m.conversation_id AS cid, m.text AS text FROM messages m, {function}('english', $1) q \
                 WHERE m.search @@ q AND m.tenant_id = $2 AND m.conversation_id IN ({list}) \
                 ORDER BY ts_rank(m.search, q) DESC, m.id"
            )
        }
    };
    for row in db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
    {
        let (cid, text): (i64, String) = (row.try_get("", "cid")?, row.try_get("", "text")?);
        out.entry(cid).or_default().push(text);
    }
    Ok(out)
}
