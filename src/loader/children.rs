//! Per-parent connections: a page of each parent's children in one statement
//! (`ROW_NUMBER() OVER (PARTITION BY parent ...)`), and their counts in one `GROUP BY`.
//! Tag links come with their tags in that one statement (`TaggedPage`).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use derive_where::derive_where;
use entity::{FromRow, tag};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, IntoIden, JoinType, Query, SelectStatement, WindowStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Order, QueryFilter, QueryResult,
    QuerySelect, QueryTrait,
};

use super::row::int_of;
use super::{DbLoader, LoadError, by_tenant};
use crate::db::{Tenanted, scoped};
use crate::pagination::{Cursor, Page, PageRequest};

/// A to-many relation: the child table, the column pointing at the parent, and
/// the (unique) sort key of the connection.
pub trait Relation: Send + Sync + 'static {
    type Entity: Tenanted + Send + Sync;
    /// The child column holding the parent's id.
    fn parent() -> <Self::Entity as EntityTrait>::Column;
    /// The sort key, last column unique per parent.
    fn sort() -> [<Self::Entity as EntityTrait>::Column; 2];
    /// The connection's order.
    fn order() -> Order {
        Order::Asc
    }
}

/// Key: one page of the children of `parent`.
#[derive_where(Clone, PartialEq, Eq, Hash)]
pub struct ChildPage<R> {
    pub tenant: Arc<str>,
    pub parent: i64,
    pub page: PageRequest,
    relation: PhantomData<fn() -> R>,
}

impl<R> ChildPage<R> {
    pub fn new(tenant: &Arc<str>, parent: i64, page: PageRequest) -> Self {
        ChildPage {
            tenant: tenant.clone(),
            parent,
            page,
            relation: PhantomData,
        }
    }
}

/// A relation whose children are links to tags (`tag_id`).
pub trait TagLinkRelation: Relation {
    /// The child column holding the tag's id.
    fn tag() -> <Self::Entity as EntityTrait>::Column;
}

/// Key: one page of the tag links of `parent`, each with its tag.
#[derive_where(Clone, PartialEq, Eq, Hash)]
pub struct TaggedPage<R> {
    pub tenant: Arc<str>,
    pub parent: i64,
    pub page: PageRequest,
    relation: PhantomData<fn() -> R>,
}

impl<R> TaggedPage<R> {
    pub fn new(tenant: &Arc<str>, parent: i64, page: PageRequest) -> Self {
        TaggedPage {
            tenant: tenant.clone(),
            parent,
            page,
            relation: PhantomData,
        }
    }
}

/// Key: how many children `parent` has.
#[derive_where(Clone, PartialEq, Eq, Hash)]
pub struct ChildCount<R> {
    pub tenant: Arc<str>,
    pub parent: i64,
    relation: PhantomData<fn() -> R>,
}

impl<R> ChildCount<R> {
    pub fn new(tenant: &Arc<str>, parent: i64) -> Self {
        ChildCount {
            tenant: tenant.clone(),
            parent,
            relation: PhantomData,
        }
    }
}

type Model<R> = <<R as Relation>::Entity as EntityTrait>::Model;

/// Keys with the same tenant and page arguments share one statement.
fn groups<'k>(
    keys: impl Iterator<Item = (&'k Arc<str>, &'k PageRequest, i64)>,
) -> Vec<(&'k Arc<str>, &'k PageRequest, Vec<i64>)> {
    let mut groups: Vec<(&Arc<str>, &PageRequest, Vec<i64>)> = Vec::new();
    for (tenant, page, parent) in keys {
        match groups
            .iter_mut()
            .find(|(t, p, _)| *t == tenant && *p == page)
        {
            Some((_, _, parents)) => parents.push(parent),
            None => groups.push((tenant, page, vec![parent])),
        }
    }
    groups
}

/// One page of the children of each of `parents`: the child's columns, then `rn`,
/// the row's place in its parent's page, from the table aliased `page`.
fn window<R: Relation>(tenant: &str, page: &PageRequest, parents: &[i64]) -> SelectStatement {
    let (sort, order) = (R::sort(), R::order());
    let read = page.read_order(&order);
    let mut select = scoped::<R::Entity>(tenant).filter(R::parent().is_in(parents.iter().copied()));
    if let Some(cut) = page.condition(&sort, &order) {
        select = select.filter(cut);
    }
    let mut inner = select.into_query();
    let mut window = WindowStatement::partition_by(R::parent().into_iden());
    for column in sort {
        window.order_by(column.into_iden(), read.clone());
    }
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("rn"));
    Query::select()
        .column((Alias::new("page"), Asterisk))
        .from_subquery(inner, Alias::new("page"))
        .and_where(Expr::col((Alias::new("page"), Alias::new("rn"))).lte(page.limit as i64 + 1))
        .order_by((Alias::new("page"), Alias::new("rn")), Order::Asc)
        .to_owned()
}

/// Runs `statement` and sorts its rows, decoded by `decode`, into a page per parent,
/// in the order of `parents`; `child` finds the child in a decoded row.
async fn pages<R: Relation, T>(
    loader: &DbLoader,
    statement: SelectStatement,
    (page, parents): (&PageRequest, &[i64]),
    decode: impl Fn(&QueryResult) -> Result<T, sea_orm::DbErr>,
    child: impl Fn(&T) -> &Model<R>,
) -> Result<Vec<(i64, Page<T>)>, LoadError>
where
    Model<R>: FromRow,
{
    let statement = loader.db.get_database_backend().build(&statement);
    let rows = loader
        .db
        .query_all_raw(statement)
        .await
        .map_err(|e| Arc::new(e.into()))?;
    let sort = R::sort();
    let mut per_parent: HashMap<i64, Vec<(Cursor, T)>> = HashMap::new();
    for row in rows {
        let value = decode(&row).map_err(|e| Arc::new(e.into()))?;
        let child = child(&value);
        if let Some(parent) = int_of(child, R::parent()) {
            let cursor = Cursor::of(child, &sort);
            per_parent.entry(parent).or_default().push((cursor, value));
        }
    }
    Ok(parents
        .iter()
        .map(|parent| {
            let rows = per_parent.remove(parent).unwrap_or_default();
            (*parent, page.finish(rows))
        })
        .collect())
}

impl<R> Loader<ChildPage<R>> for DbLoader
where
    R: Relation,
    Model<R>: Send + Sync + Clone + FromRow,
{
    type Value = Page<Model<R>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChildPage<R>],
    ) -> Result<HashMap<ChildPage<R>, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, page, parents) in groups(keys.iter().map(|k| (&k.tenant, &k.page, k.parent))) {
            let statement = window::<R>(tenant, page, &parents);
            let keys = (page, parents.as_slice());
            let found = pages::<R, _>(self, statement, keys, Model::<R>::from_row, |c| c).await?;
            for (parent, rows) in found {
                out.insert(ChildPage::new(tenant, parent, page.clone()), rows);
            }
        }
        Ok(out)
    }
}

impl<R> Loader<TaggedPage<R>> for DbLoader
where
    R: TagLinkRelation,
    Model<R>: Send + Sync + Clone + FromRow,
{
    type Value = Page<(Model<R>, tag::Model)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TaggedPage<R>],
    ) -> Result<HashMap<TaggedPage<R>, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, page, parents) in groups(keys.iter().map(|k| (&k.tenant, &k.page, k.parent))) {
            // The page's links, then `rn`, then the tag each names.
            let t = Alias::new("t");
            let statement = window::<R>(tenant, page, &parents)
                .column((t.clone(), Asterisk))
                .join_as(
                    JoinType::InnerJoin,
                    tag::Entity,
                    t.clone(),
                    Expr::col((t.clone(), tag::Column::Id))
                        .equals((Alias::new("page"), R::tag()))
                        .and(Expr::col((t.clone(), tag::Column::TenantId)).eq(tenant.as_ref())),
                )
                .to_owned();
            let decode = |row: &QueryResult| {
                let link = Model::<R>::from_row(row)?;
                Ok((link, tag::Model::from_row_at(row, Model::<R>::COLUMNS + 1)?))
            };
            let keys = (page, parents.as_slice());
            let found = pages::<R, _>(self, statement, keys, decode, |(link, _)| link).await?;
            for (parent, rows) in found {
                out.insert(TaggedPage::new(tenant, parent, page.clone()), rows);
            }
        }
        Ok(out)
    }
}

#[derive(FromQueryResult)]
struct ParentCount {
    parent: i64,
    count: i64,
}

impl<R: Relation> Loader<ChildCount<R>> for DbLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[ChildCount<R>]) -> Result<HashMap<ChildCount<R>, i64>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, parents) in by_tenant(keys, |k| &k.tenant, |k| k.parent) {
            let counts = scoped::<R::Entity>(&tenant)
                .filter(R::parent().is_in(parents.iter().copied()))
                .select_only()
                .column_as(R::parent(), "parent")
                .column_as(Expr::col(Asterisk).count(), "count")
                .group_by(R::parent())
                .into_model::<ParentCount>()
                .all(&self.db)
                .await
                .map_err(|e| Arc::new(e.into()))?;
            let mut counts: HashMap<i64, i64> =
                counts.into_iter().map(|c| (c.parent, c.count)).collect();
            for parent in parents {
                out.insert(
                    ChildCount::new(&tenant, parent),
                    counts.remove(&parent).unwrap_or(0),
                );
            }
        }
        Ok(out)
    }
}
