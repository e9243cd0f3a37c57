//! Ranked conversation search over subjects and message text: a conversation
//! matches when its subject or one of its messages does.

use std::collections::HashMap;

use entity::{FromRow, conversation, message};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, IntoIden, JoinType, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};

use super::SearchQuery;
use super::tickets::{check_cursor, cursor};
use crate::db::scoped;
use crate::error::Result;
use crate::pagination::{KeyPart, Page, PageRequest};

/// A conversation that matched, with its rank (lower is better).
#[derive(Debug, Clone)]
pub struct ConversationHit {
    pub conversation: conversation::Model,
    pub rank: f64,
}

fn alias_t() -> Alias {
    Alias::new("t")
}

/// `SELECT cid, rank` of the tenant's conversations whose subject or one of whose
/// messages match (lower rank is better).
fn scores(backend: DbBackend, tenant: &str, query: &SearchQuery) -> SelectStatement {
    let half = |table: &str, fts: &str, cid: &str| {
        let mut half = Query::select();
        half.expr_as(Expr::cust(format!("t.{cid}")), Alias::new("cid"))
            .from_as(Alias::new(table), alias_t())
            .and_where(Expr::col((alias_t(), Alias::new("tenant_id"))).eq(tenant));
        let bound = query.bound(backend);
        match backend {
            DbBackend::Sqlite => {
                half.expr_as(Expr::cust(format!("bm25({fts})")), Alias::new("score"))
                    .join(
                        JoinType::InnerJoin,
                        Alias::new(fts),
                        Expr::cust(format!("{fts}.rowid = t.id")),
                    )
                    .and_where(Expr::cust_with_values(format!("{fts} MATCH ?"), [bound]));
            }
            _ => {
                let tsquery = query.tsquery();
                half.expr_as(
                    Expr::cust_with_values(
                        format!("(-ts_rank(t.search, {tsquery}))::float8"),
                        [bound.clone()],
                    ),
                    Alias::new("score"),
                )
                .and_where(Expr::cust_with_values(
                    format!("t.search @@ {tsquery}"),
                    [bound],
                ));
            }
        }
        half
    };
    let mut union = half("messages", "message_fts", "conversation_id");
    union.union(
        UnionType::All,
        half("conversations", "conversation_fts", "id"),
    );
    Query::select()
        .column(Alias::new("cid"))
        .expr_as(Expr::cust("MIN(u.score)"), Alias::new("rank"))
        .from_subquery(union, Alias::new("u"))
        .group_by_col(Alias::new("cid"))
        .to_owned()
}

/// Restricts `select` to conversations matching `query`; returns the rank expression.
fn matching(
    select: &mut Select<conversation::Entity>,
    tenant: &str,
    query: &SearchQuery,
    backend: DbBackend,
) -> Expr {
    let hits = Alias::new("h");
    QueryTrait::query(select).join_subquery(
        JoinType::InnerJoin,
        scores(backend, tenant, query),
        hits,
        Expr::cust("h.cid = conversations.id"),
    );
    Expr::cust("h.rank")
}

/// One page of the conversations of `select` (already tenant-scoped and filtered)
/// that match `query`, best first.
pub async fn search(
    db: &DatabaseConnection,
    mut select: Select<conversation::Entity>,
    tenant: &str,
    query: &SearchQuery,
    page: &PageRequest,
) -> Result<Page<ConversationHit>> {
    check_cursor(page)?;
    let backend = db.get_database_backend();
    let rank = matching(&mut select, tenant, query, backend);
    if let Some([KeyPart::Int(bits), KeyPart::Int(id)]) =
        page.after.as_ref().map(|c| c.0.as_slice())
    {
        let key = Expr::tuple([
            rank.clone(),
            Expr::col((conversation::Entity.into_iden(), conversation::Column::Id)),
        ]);
        let after = Expr::tuple([Expr::val(f64::from_bits(*bits as u64)), Expr::val(*id)]);
        QueryTrait::query(&mut select).and_where(key.gt(after));
    }
    let statement = select
        .expr_as(rank.clone(), "rank")
        .order_by(rank, Order::Asc)
        .order_by(conversation::Column::Id, Order::Asc)
        .limit(page.limit + 1)
        .build(backend);
    let mut rows = Vec::new();
    for row in db.query_all_raw(statement).await? {
        let conversation = conversation::Model::from_row(&row)?;
        let rank: f64 = row.try_get("", "rank")?;
        rows.push((
            cursor(rank, conversation.id),
            ConversationHit { conversation, rank },
        ));
    }
    Ok(page.finish(rows))
}

/// How many conversations of `select` match `query`.
pub async fn count(
    db: &DatabaseConnection,
    mut select: Select<conversation::Entity>,
    tenant: &str,
    query: &SearchQuery,
) -> Result<i64> {
    matching(&mut select, tenant, query, db.get_database_backend());
    Ok(select.count(db).await? as i64)
}

/// The matching messages of `conversations`, best first, by conversation.
pub async fn matching_messages(
    db: &DatabaseConnection,
    tenant: &str,
    query: &SearchQuery,
    conversations: &[i64],
) -> Result<HashMap<i64, Vec<message::Model>>> {
    let mut out: HashMap<i64, Vec<message::Model>> = HashMap::new();
    if conversations.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    let bound = query.bound(backend);
    let mut select = scoped::<message::Entity>(tenant)
        .filter(message::Column::ConversationId.is_in(conversations.to_vec()));
    let rank = match backend {
        DbBackend::Sqlite => {
            QueryTrait::query(&mut select)
                .join(
                    JoinType::InnerJoin,
                    Alias::new("message_fts"),
                    Expr::cust("message_fts.rowid = messages.id"),
                )
                .and_where(Expr::cust_with_values("message_fts MATCH ?", [bound]));
            Expr::cust("bm25(message_fts)")
        }
        _ => {
            let tsquery = query.tsquery();
            QueryTrait::query(&mut select).and_where(Expr::cust_with_values(
                format!("messages.search @@ {tsquery}"),
                [bound.clone()],
            ));
            Expr::cust_with_values(format!("-ts_rank(messages.search, {tsquery})"), [bound])
        }
    };
    let found = select
        .order_by(rank, Order::Asc)
        .order_by(message::Column::Id, Order::Asc)
        .all(db)
        .await?;
    for m in found {
        out.entry(m.conversation_id).or_default().push(m);
    }
    Ok(out)
}
