//! Cursors, page limits and keyset pagination: the one place that knows how a
//! connection is cut into pages.

use std::borrow::Cow;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::connection::{
    ConnectionNameType, CursorType, DefaultConnectionName, DefaultEdgeName, Edge, EdgeNameType,
    EmptyFields, PageInfo,
};
use async_graphql::{Object, ObjectType, OutputType, TypeName};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, ColumnType, Order, Value};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// One value of a sort key inside a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyPart {
    Int(i64),
    Text(String),
}

impl KeyPart {
    fn from_value(value: Value) -> Option<KeyPart> {
        match value {
            Value::BigInt(Some(v)) => Some(KeyPart::Int(v)),
            Value::Int(Some(v)) => Some(KeyPart::Int(v.into())),
            Value::String(Some(v)) => Some(KeyPart::Text(v)),
            _ => None,
        }
    }

    fn into_expr(self) -> SimpleExpr {
        match self {
            KeyPart::Int(v) => Expr::val(v),
            KeyPart::Text(v) => Expr::val(v),
        }
    }

    /// Whether this part may be compared with a sort column holding `kind`.
    fn fits(&self, kind: KeyKind) -> bool {
        matches!(
            (self, kind),
            (KeyPart::Int(_), KeyKind::Int) | (KeyPart::Text(_), KeyKind::Text)
        )
    }
}

/// What one sort column of a connection holds, which a cursor's part must match:
/// a forged cursor of the wrong types must never reach the database, where
/// PostgreSQL fails the whole statement (`bigint > text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Int,
    Text,
}

impl KeyKind {
    /// The kind of `column`'s values (`None` for a type no cursor can hold).
    pub fn of<C: ColumnTrait>(column: &C) -> Option<KeyKind> {
        match column.def().get_column_type() {
            ColumnType::TinyInteger
            | ColumnType::SmallInteger
            | ColumnType::Integer
            | ColumnType::BigInteger => Some(KeyKind::Int),
            ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => Some(KeyKind::Text),
            _ => None,
        }
    }
}

/// An opaque keyset cursor: the sort key of the row it points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(pub Vec<KeyPart>);

/// Longest encoded cursor a client may send; the ones Parley makes are far shorter.
const MAX_CURSOR_LEN: usize = 512;
/// Most parts in a sort key.
const MAX_CURSOR_PARTS: usize = 4;

impl Cursor {
    /// The cursor of `row`, read from the sort columns.
    pub fn of<M: sea_orm::ModelTrait>(
        row: &M,
        columns: &[<M::Entity as sea_orm::EntityTrait>::Column],
    ) -> Cursor {
        Cursor(
            columns
                .iter()
                .filter_map(|c| KeyPart::from_value(row.get(*c)))
                .collect(),
        )
    }
}

impl Cursor {
    /// Decodes a client's cursor; anything malformed is BAD_USER_INPUT. Whether it
    /// fits the connection it is sent to is checked by [`PageRequest::check_cursors`].
    pub fn decode(s: &str) -> Result<Self> {
        let bad = || Error::bad_input(format!("`{}` is not a valid cursor", truncate(s)));
        if s.len() > MAX_CURSOR_LEN {
            return Err(bad());
        }
        let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let parts: Vec<KeyPart> = serde_json::from_slice(&raw).map_err(|_| bad())?;
        if parts.is_empty() || parts.len() > MAX_CURSOR_PARTS {
            return Err(bad());
        }
        // PostgreSQL refuses text with NUL in it, as a failed statement.
        if parts
            .iter()
            .any(|p| matches!(p, KeyPart::Text(t) if t.contains('\0')))
        {
            return Err(bad());
        }
        Ok(Cursor(parts))
    }

    /// Whether every part has the kind of the sort column at its place.
    fn fits(&self, kinds: &[KeyKind]) -> bool {
        self.0.len() == kinds.len() && self.0.iter().zip(kinds).all(|(p, k)| p.fits(*k))
    }
}

impl CursorType for Cursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, String> {
        Cursor::decode(s).map_err(|e| e.message())
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.0).unwrap_or_default())
    }
}

/// The kinds of the sort columns `columns`, if a cursor can hold each.
fn kinds_of<C: ColumnTrait>(columns: &[C]) -> Option<Vec<KeyKind>> {
    columns.iter().map(KeyKind::of).collect()
}

fn truncate(s: &str) -> &str {
    s.get(..s.len().min(40)).unwrap_or("")
}

/// A validated request for one page: how many rows, from where, in which direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Rows the client wants; one more is fetched to know whether more exist.
    pub limit: u64,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
    /// `last`/`before` paging: read from the end and reverse.
    pub backward: bool,
}

impl PageRequest {
    /// Validates the four Relay arguments.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PageRequest> {
        let size = |name: &str, n: i32| -> Result<u64> {
            if n < 0 {
                return Err(Error::bad_input(format!("`{name}` must not be negative")));
            }
            let n = n as u64;
            if n > MAX_PAGE_SIZE {
                return Err(Error::bad_input(format!(
                    "`{name}` must be at most {MAX_PAGE_SIZE}, got {n}"
                )));
            }
            Ok(n)
        };
        let (limit, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(Error::bad_input("pass either `first` or `last`, not both"));
            }
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (DEFAULT_PAGE_SIZE, before.is_some() && after.is_none()),
        };
        let decode = |c: Option<String>| c.map(|c| Cursor::decode(&c)).transpose();
        Ok(PageRequest {
            limit,
            after: decode(after)?,
            before: decode(before)?,
            backward,
        })
    }

    /// The first page of the default size.
    pub fn first(limit: u64) -> PageRequest {
        PageRequest {
            limit,
            after: None,
            before: None,
            backward: false,
        }
    }

    /// The WHERE condition that cuts the keyset at the cursors, for rows sorted by
    /// `columns` in `order` (`None` when there is no cursor). A cursor that does not
    /// fit the columns is left out here; [`PageRequest::check_cursors_for`] refuses it
    /// before.
    pub fn condition<C: ColumnTrait>(&self, columns: &[C], order: &Order) -> Option<SimpleExpr> {
        // Qualified by table: a page may join tables with columns of the same names.
        let tuple = || Expr::tuple(columns.iter().map(|c| Expr::col((c.entity_name(), *c))));
        let value = |c: &Cursor| Expr::tuple(c.0.iter().cloned().map(KeyPart::into_expr));
        let ascending = matches!(order, Order::Asc);
        let kinds = kinds_of(columns);
        let fits = |c: &&Cursor| kinds.as_deref().is_some_and(|k| c.fits(k));
        let mut conds = Vec::new();
        if let Some(after) = self.after.as_ref().filter(fits) {
            conds.push(if ascending {
                tuple().gt(value(after))
            } else {
                tuple().lt(value(after))
            });
        }
        if let Some(before) = self.before.as_ref().filter(fits) {
            conds.push(if ascending {
                tuple().lt(value(before))
            } else {
                tuple().gt(value(before))
            });
        }
        conds.into_iter().reduce(|a, b| a.and(b))
    }

    /// Refuses a cursor that does not fit a sort key of `kinds` (one forged, or
    /// from another connection) as BAD_USER_INPUT, before any statement is built.
    pub fn check_cursors(&self, kinds: &[KeyKind]) -> Result<()> {
        let fits = |c: &Option<Cursor>| c.as_ref().is_none_or(|c| c.fits(kinds));
        if fits(&self.after) && fits(&self.before) {
            Ok(())
        } else {
            Err(Error::bad_input(
                "the cursor does not belong to this connection",
            ))
        }
    }

    /// [`PageRequest::check_cursors`] for rows sorted by `columns`.
    pub fn check_cursors_for<C: ColumnTrait>(&self, columns: &[C]) -> Result<()> {
        match kinds_of(columns) {
            Some(kinds) => self.check_cursors(&kinds),
            None if self.after.is_none() && self.before.is_none() => Ok(()),
            None => Err(Error::Internal(
                "a connection is sorted by a column no cursor can hold".into(),
            )),
        }
    }

    /// The order to read rows in: the connection's order, reversed for `last`.
    pub fn read_order(&self, order: &Order) -> Order {
        match (self.backward, order) {
            (false, o) => o.clone(),
            (true, Order::Asc) => Order::Desc,
            (true, _) => Order::Asc,
        }
    }

    /// Cuts the over-fetched rows (read in `read_order`) to the page.
    pub fn finish<T>(&self, mut rows: Vec<(Cursor, T)>) -> Page<T> {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        if self.backward {
            rows.reverse();
            Page {
                rows,
                has_previous: more,
                has_next: self.before.is_some(),
            }
        } else {
            Page {
                rows,
                has_previous: self.after.is_some(),
                has_next: more,
            }
        }
    }
}

/// One page of rows with their cursors.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<(Cursor, T)>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// A page without rows.
    pub fn empty() -> Page<T> {
        Page {
            rows: Vec::new(),
            has_previous: false,
            has_next: false,
        }
    }

    /// Maps the rows, keeping cursors and page info.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_previous: self.has_previous,
            has_next: self.has_next,
        }
    }

    /// Maps the rows, dropping those `f` rejects.
    pub fn filter_map<U>(self, mut f: impl FnMut(T) -> Option<U>) -> Page<U> {
        Page {
            rows: self
                .rows
                .into_iter()
                .filter_map(|(c, t)| Some((c, f(t)?)))
                .collect(),
            has_previous: self.has_previous,
            has_next: self.has_next,
        }
    }

    /// The GraphQL connection of this page, with data on its edges.
    pub fn into_connection<N, E, Name, EdgeName>(
        self,
        total: TotalCount,
        mut node: impl FnMut(T) -> (N, E),
    ) -> Connection<N, E, Name, EdgeName>
    where
        N: OutputType,
        E: ObjectType,
        Name: ConnectionNameType,
        EdgeName: EdgeNameType,
    {
        let edges = self
            .rows
            .into_iter()
            .map(|(cursor, row)| {
                let (n, e) = node(row);
                Edge::with_additional_fields(cursor, n, e)
            })
            .collect();
        Connection {
            edges,
            has_previous: self.has_previous,
            has_next: self.has_next,
            total,
            name: PhantomData,
        }
    }

    /// The plain connection of this page.
    pub fn connection<N: OutputType>(
        self,
        total: TotalCount,
        mut node: impl FnMut(T) -> N,
    ) -> Conn<N> {
        self.into_connection(total, |t| (node(t), EmptyFields))
    }
}

/// A Relay connection: one page of a list.
pub struct Connection<N, E = EmptyFields, Name = DefaultConnectionName, EdgeName = DefaultEdgeName>
where
    N: OutputType,
    E: ObjectType,
    Name: ConnectionNameType,
    EdgeName: EdgeNameType,
{
    edges: Vec<Edge<Cursor, N, E, EdgeName>>,
    has_previous: bool,
    has_next: bool,
    total: TotalCount,
    name: PhantomData<Name>,
}

/// A connection of `N` with no data on its edges.
pub type Conn<N> = Connection<N>;

/// A page of a list, with cursors to fetch the pages around it and the size of the whole list.
#[Object(name_type)]
impl<N, E, Name, EdgeName> Connection<N, E, Name, EdgeName>
where
    N: OutputType,
    E: ObjectType,
    Name: ConnectionNameType,
    EdgeName: EdgeNameType,
{
    /// Whether there are more items before or after this page, and the cursors of its ends.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous,
            has_next_page: self.has_next,
            start_cursor: self.edges.first().map(|e| e.cursor.encode_cursor()),
            end_cursor: self.edges.last().map(|e| e.cursor.encode_cursor()),
        }
    }

    /// The items of this page with their cursors.
    async fn edges(&self) -> &[Edge<Cursor, N, E, EdgeName>] {
        &self.edges
    }

    /// The items of this page, for clients that need no cursors.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// The number of items in the whole list, ignoring the page arguments.
    async fn total_count(&self) -> async_graphql::Result<i64> {
        Ok((self.total.0)().await?)
    }
}

impl<N, E, Name, EdgeName> TypeName for Connection<N, E, Name, EdgeName>
where
    N: OutputType,
    E: ObjectType,
    Name: ConnectionNameType,
    EdgeName: EdgeNameType,
{
    fn type_name() -> Cow<'static, str> {
        Name::type_name::<N>().into()
    }
}

type CountFuture = Pin<Box<dyn Future<Output = Result<i64>> + Send>>;

/// `totalCount` of a connection, computed only when a client selects it.
#[derive(Clone)]
pub struct TotalCount(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl TotalCount {
    /// A count that runs `count` when asked.
    pub fn new<F, Fut>(count: F) -> TotalCount
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<i64>> + Send + 'static,
    {
        TotalCount(Arc::new(move || Box::pin(count())))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn page(after: serde_json::Value) -> Result<PageRequest> {
        let cursor = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&after).unwrap());
        PageRequest::new(Some(5), Some(cursor), None, None)
    }

    #[test]
    fn cursors_must_fit_the_sort_key_in_types_and_length() {
        let ints = [KeyKind::Int, KeyKind::Int];
        let text = [KeyKind::Text, KeyKind::Int];
        assert!(
            page(serde_json::json!([1, 2]))
                .unwrap()
                .check_cursors(&ints)
                .is_ok()
        );
        assert!(
            page(serde_json::json!(["a", 2]))
                .unwrap()
                .check_cursors(&text)
                .is_ok()
        );
        for wrong in [
            serde_json::json!(["abc", "def"]),
            serde_json::json!(["a", 2]),
            serde_json::json!([1]),
            serde_json::json!([1, 2, 3]),
        ] {
            assert!(page(wrong).unwrap().check_cursors(&ints).is_err());
        }
        assert!(
            page(serde_json::json!([1, 2]))
                .unwrap()
                .check_cursors(&text)
                .is_err()
        );
        for malformed in [
            serde_json::json!([1.5, 2]),
            serde_json::json!([null, 2]),
            serde_json::json!(["a\u{0}", 2]),
            serde_json::json!([]),
            serde_json::json!([1, 2, 3, 4, 5]),
        ] {
            assert!(page(malformed).is_err());
        }
    }

    #[test]
    fn a_cursor_that_does_not_fit_never_becomes_a_condition() {
        use entity::tag;
        let forged = page(serde_json::json!([1, 2])).unwrap();
        let columns = [tag::Column::NameKey, tag::Column::Id];
        assert!(forged.check_cursors_for(&columns).is_err());
        assert!(forged.condition(&columns, &Order::Asc).is_none());
        let fits = page(serde_json::json!(["a", 2])).unwrap();
        assert!(fits.condition(&columns, &Order::Asc).is_some());
    }
}
