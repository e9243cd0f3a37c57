//! Per-parent connections: a page of each parent's children in one statement
//! (`ROW_NUMBER() OVER (PARTITION BY parent ...)`), and their counts in one `GROUP BY`.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use derive_where::derive_where;
use entity::ByPosition;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, IntoIden, Query, WindowStatement};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, Order, QueryFilter, QuerySelect, QueryTrait,
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

impl<R> Loader<ChildPage<R>> for DbLoader
where
    R: Relation,
    Model<R>: Send + Sync + Clone,
{
    type Value = Page<Model<R>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChildPage<R>],
    ) -> Result<HashMap<ChildPage<R>, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        // Keys with the same tenant and page arguments share one statement.
        let mut groups: Vec<(&Arc<str>, &PageRequest, Vec<i64>)> = Vec::new();
        for key in keys {
            match groups
                .iter_mut()
                .find(|(t, p, _)| *t == &key.tenant && *p == &key.page)
            {
                Some((_, _, parents)) => parents.push(key.parent),
                None => groups.push((&key.tenant, &key.page, vec![key.parent])),
            }
        }
        let sort = R::sort();
        let order = R::order();
        for (tenant, page, parents) in groups {
            let read = page.read_order(&order);
            let mut select =
                scoped::<R::Entity>(tenant).filter(R::parent().is_in(parents.iter().copied()));
            if let Some(cut) = page.condition(&sort, &order) {
                select = select.filter(cut);
            }
            let mut inner = select.into_query();
            let mut window = WindowStatement::partition_by(R::parent().into_iden());
            for column in sort {
                window.order_by(column.into_iden(), read.clone());
            }
            inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("rn"));
            let outer = Query::select()
                .column(Asterisk)
                .from_subquery(inner, Alias::new("page"))
                .and_where(Expr::col(Alias::new("rn")).lte(page.limit as i64 + 1))
                .order_by(Alias::new("rn"), Order::Asc)
                .to_owned();
            let statement = self.db.get_database_backend().build(&outer);
            let rows = R::Entity::find()
                .from_raw_sql(statement)
                .into_model::<ByPosition<Model<R>>>()
                .all(&self.db)
                .await
                .map_err(|e| Arc::new(e.into()))?;
            let mut per_parent: HashMap<i64, Vec<(Cursor, Model<R>)>> = HashMap::new();
            for ByPosition(row) in rows {
                if let Some(parent) = int_of(&row, R::parent()) {
                    per_parent
                        .entry(parent)
                        .or_default()
                        .push((Cursor::of(&row, &sort), row));
                }
            }
            for parent in parents {
                let rows = per_parent.remove(&parent).unwrap_or_default();
                out.insert(
                    ChildPage::new(tenant, parent, page.clone()),
                    page.finish(rows),
                );
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
