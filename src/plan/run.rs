//! Running a plan: one statement per root field, whose rows hold their JSON, and
//! the response written around them. `None` (the plan steps aside for async-graphql,
//! which gives the client its precise error) when the viewer may not read what the
//! plan reads, an argument is not one async-graphql would accept, or the database
//! fails.

use std::fmt::Write;

use async_graphql::connection::CursorType;
use async_graphql::{InputType, Name, Variables};
use async_graphql_value::{ConstValue, Value};
use entity::conversation;
use sea_orm::sea_query::{Alias, Expr, JoinType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, PaginatorTrait, QueryFilter, QuerySelect,
    QueryTrait, Select,
};

use super::compile::{ListEdge, ListField, Object, PageField, Plan, Root};
use super::sql::{ArraySql, Join};
use super::types::Needs;
use super::write::{self, member};
use crate::auth::{Scope, Viewer};
use crate::db::{page_selected, scoped};
use crate::graphql::query::conversations::{ConversationFilter, ConversationOrder};
use crate::ids::{NodeKind, decode_as};
use crate::pagination::PageRequest;

/// The JSON body answering `plan` for `viewer` with `variables`.
pub async fn answer(
    plan: &Plan,
    db: &DatabaseConnection,
    viewer: &Viewer,
    variables: &Variables,
) -> Option<String> {
    if !plan.needs.iter().all(|needs| allowed(viewer, *needs)) {
        return None;
    }
    let values = Values { plan, variables };
    let mut body = String::with_capacity(4096);
    body.push_str("{\"data\":{");
    for (i, (key, root)) in plan.roots.iter().enumerate() {
        member(&mut body, i, key);
        match root {
            Root::Typename => body.push_str("\"Query\""),
            Root::ByNumber { number, object } => {
                let number = i64::parse(Some(values.resolve(number)?)).ok()?;
                let select = scoped::<conversation::Entity>(&viewer.tenant)
                    .filter(conversation::Column::Number.eq(number));
                one(db, select, object, &values, &mut body).await?;
            }
            Root::ById { id, object } => {
                let id = async_graphql::ID::parse(Some(values.resolve(id)?)).ok()?;
                match decode_as(&id, NodeKind::Conversation) {
                    Some(id) => {
                        let select = scoped::<conversation::Entity>(&viewer.tenant)
                            .filter(conversation::Column::Id.eq(id));
                        one(db, select, object, &values, &mut body).await?;
                    }
                    None => body.push_str("null"),
                }
            }
            Root::List { args, fields } => {
                list(db, viewer, args, fields, &values, &mut body).await?;
            }
        }
    }
    body.push_str("}}");
    Some(body)
}

fn allowed(viewer: &Viewer, needs: Needs) -> bool {
    let has = |scope| viewer.scopes.has(scope);
    match needs {
        Needs::Conversations => has(Scope::ConversationRead),
        Needs::Tickets => has(Scope::TicketRead),
        Needs::Reference => has(Scope::ConversationRead) || has(Scope::TicketRead),
    }
}

/// Argument values with the request's variables (or their defaults) in place.
struct Values<'a> {
    plan: &'a Plan,
    variables: &'a Variables,
}

impl Values<'_> {
    fn resolve(&self, value: &Value) -> Option<ConstValue> {
        value
            .clone()
            .into_const_with(|name| self.variable(&name).ok_or(()))
            .ok()
    }

    fn variable(&self, name: &Name) -> Option<ConstValue> {
        if let Some(value) = self.variables.get(name) {
            return Some(value.clone());
        }
        let (_, default) = self.plan.defaults.iter().find(|(n, _)| n == name)?;
        Some(default.clone().unwrap_or(ConstValue::Null))
    }

    /// A nested connection's page size, from its `first` argument.
    fn limit(&self, first: Option<&Value>) -> Option<u64> {
        let first = match first {
            Some(value) => Option::<i32>::parse(Some(self.resolve(value)?)).ok()?,
            None => None,
        };
        PageRequest::new(first, None, None, None)
            .ok()
            .map(|page| page.limit)
    }
}

/// The JSON of the one row `select` finds, or `null`.
async fn one(
    db: &DatabaseConnection,
    select: Select<conversation::Entity>,
    object: &Object,
    values: &Values<'_>,
    body: &mut String,
) -> Option<()> {
    let backend = db.get_database_backend();
    let limit = |first: Option<&Value>| values.limit(first);
    let mut joins = Vec::new();
    let row = ArraySql::new(backend, &limit).root(object, "conversations", &mut joins)?;
    let mut select = select.select_only().expr_as(Expr::cust(row), "node");
    join(&mut select, joins);
    let row = db.query_one_raw(select.build(backend)).await.ok()?;
    match row {
        Some(row) => write::object(body, object, &parse(&row, "node")?),
        None => {
            body.push_str("null");
            Some(())
        }
    }
}

/// `select` with the LEFT JOINs its rows' to-one references need.
fn join(select: &mut Select<conversation::Entity>, joins: Vec<Join>) {
    for Join { table, alias, on } in joins {
        QueryTrait::query(select).join_as(
            JoinType::LeftJoin,
            Alias::new(table),
            Alias::new(alias),
            Expr::cust(on),
        );
    }
}

/// The positional JSON in `column` of `row`.
fn parse(row: &sea_orm::QueryResult, column: &str) -> Option<serde_json::Value> {
    let text = row.try_get::<String>("", column).ok()?;
    serde_json::from_str(&text).ok()
}

/// The root connection: its page through the same filter, order and keyset as the
/// `conversations` resolver, each row with its node's JSON.
async fn list(
    db: &DatabaseConnection,
    viewer: &Viewer,
    args: &[(Name, Value)],
    fields: &[(String, ListField)],
    values: &Values<'_>,
    body: &mut String,
) -> Option<()> {
    let arg = |name: &str| -> Option<Option<ConstValue>> {
        match args.iter().find(|(n, _)| n == name) {
            Some((_, value)) => values.resolve(value).map(Some),
            None => Some(None),
        }
    };
    let filter = Option::<ConversationFilter>::parse(arg("filter")?).ok()?;
    let order = Option::<ConversationOrder>::parse(arg("orderBy")?).ok()?;
    let int = |name| Option::<i32>::parse(arg(name)?).ok();
    let string = |name| Option::<String>::parse(arg(name)?).ok();
    let page = PageRequest::new(
        int("first")?,
        string("after")?,
        int("last")?,
        string("before")?,
    )
    .ok()?;
    let select = filter.unwrap_or_default().select(&viewer.tenant).ok()?;
    let (sort, order) = order.unwrap_or_default().key();

    let backend = db.get_database_backend();
    let limit = |first: Option<&Value>| values.limit(first);
    let mut sql = ArraySql::new(backend, &limit);
    // Each selection of the nodes (`nodes`, `edges.node`) is a column of the page.
    let objects: Vec<&Object> = fields
        .iter()
        .flat_map(|(_, field)| match field {
            ListField::Nodes(object) => vec![object],
            ListField::Edges(edges) => edges
                .iter()
                .filter_map(|(_, edge)| match edge {
                    ListEdge::Node(object) => Some(object),
                    ListEdge::Cursor => None,
                })
                .collect(),
            _ => vec![],
        })
        .collect();
    let mut paged = select.clone().select_only();
    let mut joins = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        let row = sql.root(object, "conversations", &mut joins)?;
        paged = paged.expr_as(Expr::cust(row), format!("n{i}"));
    }
    join(&mut paged, joins);
    let page = page_selected(db, paged, sort, order, &page).await.ok()?;
    // `nodes[i][row]`: the JSON of selection i for each row.
    let nodes = objects
        .iter()
        .enumerate()
        .map(|(i, object)| {
            let column = format!("n{i}");
            page.rows
                .iter()
                .map(|(_, row)| {
                    let mut json = String::with_capacity(256);
                    write::object(&mut json, object, &parse(row, &column)?)?;
                    Some(json)
                })
                .collect::<Option<Vec<_>>>()
        })
        .collect::<Option<Vec<_>>>()?;
    let mut next = nodes.iter();

    body.push('{');
    for (i, (key, field)) in fields.iter().enumerate() {
        member(body, i, key);
        match field {
            ListField::Nodes(_) => {
                body.push('[');
                body.push_str(&next.next()?.join(","));
                body.push(']');
            }
            ListField::Edges(edges) => {
                let selected: Vec<&Vec<String>> = edges
                    .iter()
                    .filter(|(_, edge)| matches!(edge, ListEdge::Node(_)))
                    .map(|_| next.next())
                    .collect::<Option<_>>()?;
                body.push('[');
                for (j, (cursor, _)) in page.rows.iter().enumerate() {
                    if j > 0 {
                        body.push(',');
                    }
                    body.push('{');
                    let mut own = selected.iter();
                    for (k, (key, edge)) in edges.iter().enumerate() {
                        member(body, k, key);
                        match edge {
                            ListEdge::Cursor => string_json(body, &cursor.encode_cursor()),
                            ListEdge::Node(_) => body.push_str(own.next()?.get(j)?),
                        }
                    }
                    body.push('}');
                }
                body.push(']');
            }
            ListField::PageInfo(info) => {
                body.push('{');
                for (k, (key, field)) in info.iter().enumerate() {
                    member(body, k, key);
                    let end = match field {
                        PageField::HasNextPage => {
                            body.push_str(bool_json(page.has_next));
                            continue;
                        }
                        PageField::HasPreviousPage => {
                            body.push_str(bool_json(page.has_previous));
                            continue;
                        }
                        PageField::StartCursor => page.rows.first(),
                        PageField::EndCursor => page.rows.last(),
                    };
                    match end {
                        Some((cursor, _)) => string_json(body, &cursor.encode_cursor()),
                        None => body.push_str("null"),
                    }
                }
                body.push('}');
            }
            ListField::TotalCount => {
                let total = select.clone().count(db).await.ok()?;
                let _ = write!(body, "{total}");
            }
        }
    }
    body.push('}');
    Some(())
}

fn bool_json(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

fn string_json(body: &mut String, value: &str) {
    match serde_json::to_string(value) {
        Ok(quoted) => body.push_str(&quoted),
        Err(_) => body.push_str("null"),
    }
}
