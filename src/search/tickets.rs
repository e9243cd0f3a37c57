//! Ranked ticket search over the original text and the cleanest body.

use entity::{FromRow, ticket};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoIden, JoinType, Order};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, PaginatorTrait, QueryOrder, QuerySelect,
    QueryTrait, Select,
};

use super::SearchQuery;
use crate::error::{Error, Result};
use crate::pagination::{Cursor, KeyKind, KeyPart, Page, PageRequest};

/// A ticket that matched, with its rank (lower is better).
#[derive(Debug, Clone)]
pub struct TicketHit {
    pub ticket: ticket::Model,
    pub rank: f64,
}

/// Restricts `select` to tickets matching `query`; returns the rank expression.
fn matching(select: &mut Select<ticket::Entity>, query: &SearchQuery, backend: DbBackend) -> Expr {
    let bound = query.bound(backend);
    match backend {
        DbBackend::Sqlite => {
            let fts = Alias::new("ticket_fts");
            QueryTrait::query(select).join(
                JoinType::InnerJoin,
                fts,
                Expr::cust("ticket_fts.rowid = tickets.id"),
            );
            QueryTrait::query(select)
                .and_where(Expr::cust_with_values("ticket_fts MATCH ?", [bound]));
            Expr::cust("bm25(ticket_fts)")
        }
        _ => {
            let tsquery = query.tsquery();
            QueryTrait::query(select).and_where(Expr::cust_with_values(
                format!("tickets.search @@ {tsquery}"),
                [bound.clone()],
            ));
            Expr::cust_with_values(
                format!("(-ts_rank(tickets.search, {tsquery}))::float8"),
                [bound],
            )
        }
    }
}

/// The cursor of a hit: its rank (as bits, to round-trip exactly) and id.
pub fn cursor(rank: f64, id: i64) -> Cursor {
    Cursor(vec![KeyPart::Int(rank.to_bits() as i64), KeyPart::Int(id)])
}

/// Refuses an `after` cursor that is not a hit's: two integers, the first the bits
/// of a finite rank.
pub fn check_cursor(page: &PageRequest) -> Result<()> {
    page.check_cursors(&[KeyKind::Int, KeyKind::Int])?;
    match page.after.as_ref().and_then(after) {
        Some((rank, _)) if !rank.is_finite() => Err(Error::bad_input(
            "the cursor does not belong to this connection",
        )),
        _ => Ok(()),
    }
}

fn after(cursor: &Cursor) -> Option<(f64, i64)> {
    match cursor.0.as_slice() {
        [KeyPart::Int(bits), KeyPart::Int(id)] => Some((f64::from_bits(*bits as u64), *id)),
        _ => None,
    }
}

/// One page of the tickets of `select` (already tenant-scoped and filtered) that
/// match `query`, best first.
pub async fn search(
    db: &DatabaseConnection,
    mut select: Select<ticket::Entity>,
    query: &SearchQuery,
    page: &PageRequest,
) -> Result<Page<TicketHit>> {
    check_cursor(page)?;
    let backend = db.get_database_backend();
    let rank = matching(&mut select, query, backend);
    if let Some((r, id)) = page.after.as_ref().and_then(after) {
        let key = Expr::tuple([
            rank.clone(),
            Expr::col((ticket::Entity.into_iden(), ticket::Column::Id)),
        ]);
        QueryTrait::query(&mut select)
            .and_where(key.gt(Expr::tuple([Expr::val(r), Expr::val(id)])));
    }
    let statement = select
        .expr_as(rank.clone(), "rank")
        .order_by(rank, Order::Asc)
        .order_by(ticket::Column::Id, Order::Asc)
        .limit(page.limit + 1)
        .build(backend);
    let mut rows = Vec::new();
    for row in db.query_all_raw(statement).await? {
        let ticket = ticket::Model::from_row(&row)?;
        let rank: f64 = row.try_get("", "rank")?;
        rows.push((cursor(rank, ticket.id), TicketHit { ticket, rank }));
    }
    Ok(page.finish(rows))
}

/// How many tickets of `select` match `query`.
pub async fn count(
    db: &DatabaseConnection,
    mut select: Select<ticket::Entity>,
    query: &SearchQuery,
) -> Result<i64> {
    matching(&mut select, query, db.get_database_backend());
    Ok(select.count(db).await? as i64)
}
