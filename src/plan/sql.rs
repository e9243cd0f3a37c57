//! The SQL expression that reads an object's row as a positional JSON array
//! (PostgreSQL's `json_build_array`/`json_agg`, SQLite's `json_array`/
//! `json_group_array`): one element per selected field in the selection's order
//! (`__typename` has none), values as stored (timestamps in microseconds, ids as
//! keys, SQLite's booleans as 0 and 1); `super::write` gives them their keys and
//! GraphQL form. To-one references are LEFT JOINs of the row's level, nested pages
//! correlated subqueries. Every joined or nested row is read in its parent's tenant
//! (`child.tenant_id = parent.tenant_id`, the root being the viewer's), and the only
//! values written into the text are validated page sizes; everything a client sends
//! stays a bound parameter of the root statement.

use std::fmt::Write;

use sea_orm::DatabaseBackend;

use super::compile::{ManyEdge, ManyField, Object, ObjectField};
use super::types::Many;

/// A to-one reference's table, read as `alias` of the row it belongs to.
pub struct Join {
    pub table: &'static str,
    pub alias: String,
    /// The join condition.
    pub on: String,
}

/// Writes positional-JSON SQL for one statement, naming its row aliases.
pub struct ArraySql<'a> {
    backend: DatabaseBackend,
    /// The page size of a nested connection from its `first` argument; `None` when
    /// the value is not one async-graphql would accept (the plan then steps aside).
    limit: &'a (dyn Fn(Option<&async_graphql_value::Value>) -> Option<u64> + Sync),
    aliases: usize,
}

impl<'a> ArraySql<'a> {
    pub fn new(
        backend: DatabaseBackend,
        limit: &'a (dyn Fn(Option<&async_graphql_value::Value>) -> Option<u64> + Sync),
    ) -> Self {
        ArraySql {
            backend,
            limit,
            aliases: 0,
        }
    }

    fn postgres(&self) -> bool {
        self.backend == DatabaseBackend::Postgres
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("p{}", self.aliases)
    }

    /// The JSON text of `object` for the row `alias`, as a result column, with the
    /// joins the root statement must add for it.
    pub fn root(&mut self, object: &Object, alias: &str, joins: &mut Vec<Join>) -> Option<String> {
        let mut sql = String::with_capacity(1024);
        self.object(&mut sql, object, alias, joins)?;
        if self.postgres() {
            sql.push_str("::text");
        }
        Some(sql)
    }

    fn object(
        &mut self,
        sql: &mut String,
        object: &Object,
        row: &str,
        joins: &mut Vec<Join>,
    ) -> Option<()> {
        sql.push_str(self.array());
        let mut first = true;
        for (_, field) in &object.fields {
            if matches!(field, ObjectField::Typename(_)) {
                continue;
            }
            if !first {
                sql.push_str(", ");
            }
            first = false;
            match field {
                ObjectField::Typename(_) => {}
                ObjectField::Column(column, _) => {
                    let _ = write!(sql, "{row}.\"{column}\"");
                }
                ObjectField::One(column, target) => {
                    let j = self.alias();
                    joins.push(Join {
                        table: target.ty.table,
                        alias: j.clone(),
                        on: format!(
                            "{j}.tenant_id = {row}.tenant_id AND {j}.id = {row}.\"{column}\""
                        ),
                    });
                    let _ = write!(
                        sql,
                        "{}CASE WHEN {j}.id IS NULL THEN NULL ELSE ",
                        self.open()
                    );
                    self.object(sql, target, &j, joins)?;
                    sql.push_str(" END)");
                }
                ObjectField::Many {
                    many,
                    first,
                    fields,
                } => {
                    let limit = (self.limit)(first.as_ref())?;
                    self.connection(sql, many, limit, fields, row)?;
                }
            }
        }
        sql.push(')');
        Some(())
    }

    /// The call that opens a JSON array in this dialect.
    fn array(&self) -> &'static str {
        if self.postgres() {
            "json_build_array("
        } else {
            "json_array("
        }
    }

    /// Opens a value that is JSON inside an enclosing array (SQLite forgets that a
    /// subquery's or a `CASE`'s text is JSON unless told again).
    fn open(&self) -> &'static str {
        if self.postgres() { "(" } else { "json(" }
    }

    /// A nested connection's array: per selected field, its total or its page of
    /// nodes or edges (`limit` rows in the relation's order).
    fn connection(
        &mut self,
        sql: &mut String,
        many: &Many,
        limit: u64,
        fields: &[(String, ManyField)],
        parent: &str,
    ) -> Option<()> {
        sql.push_str(self.array());
        for (i, (_, field)) in fields.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            match field {
                ManyField::TotalCount => {
                    let c = self.alias();
                    let (table, fk) = (many.table, many.parent);
                    let _ = write!(
                        sql,
                        "(SELECT count(*) FROM \"{table}\" {c} WHERE {c}.tenant_id = {parent}.tenant_id AND {c}.\"{fk}\" = {parent}.id)"
                    );
                }
                ManyField::Nodes(object) => {
                    let b = self.alias();
                    let mut joins = Vec::new();
                    let mut item = String::new();
                    self.object(&mut item, object, &b, &mut joins)?;
                    self.page(sql, many, limit, parent, &b, &item, &joins);
                }
                ManyField::Edges(edge) => {
                    let b = self.alias();
                    let mut joins = Vec::new();
                    let mut item = String::from(self.array());
                    for (j, (_, field)) in edge.iter().enumerate() {
                        if j > 0 {
                            item.push_str(", ");
                        }
                        match field {
                            ManyEdge::Node(object) => {
                                self.object(&mut item, object, &b, &mut joins)?
                            }
                            ManyEdge::Link(column, _) => {
                                let _ = write!(item, "{b}.\"link_{column}\"");
                            }
                        }
                    }
                    item.push(')');
                    self.page(sql, many, limit, parent, &b, &item, &joins);
                }
            }
        }
        sql.push(')');
        Some(())
    }

    /// The JSON array of `item` over one page of `many`'s rows of `parent`, read as
    /// `b` with `joins`: for tag links, the link's columns (`link_*`) beside its tag's.
    #[allow(clippy::too_many_arguments)]
    fn page(
        &mut self,
        sql: &mut String,
        many: &Many,
        limit: u64,
        parent: &str,
        b: &str,
        item: &str,
        joins: &[Join],
    ) {
        let r = self.alias();
        let (table, fk) = (many.table, many.parent);
        let [s1, s2] = many.sort;
        let (rows, order) = if many.links_tags {
            let g = self.alias();
            let mut link = vec![s1, s2];
            for (_, column, _) in many.edge {
                if !link.contains(column) {
                    link.push(column);
                }
            }
            let links = link
                .iter()
                .map(|c| format!(", {r}.\"{c}\" AS \"link_{c}\""))
                .collect::<String>();
            (
                format!(
                    "SELECT {g}.*{links} FROM \"{table}\" {r} JOIN \"tags\" {g} ON {g}.tenant_id = {r}.tenant_id AND {g}.id = {r}.tag_id"
                ),
                format!("{b}.\"link_{s1}\", {b}.\"link_{s2}\""),
            )
        } else {
            (
                format!("SELECT * FROM \"{table}\" {r}"),
                format!("{b}.\"{s1}\", {b}.\"{s2}\""),
            )
        };
        let joined = joins
            .iter()
            .map(|j| format!(" LEFT JOIN \"{}\" {} ON {}", j.table, j.alias, j.on))
            .collect::<String>();
        let rows = format!(
            "{rows} WHERE {r}.tenant_id = {parent}.tenant_id AND {r}.\"{fk}\" = {parent}.id ORDER BY {r}.\"{s1}\", {r}.\"{s2}\" LIMIT {limit}"
        );
        if self.postgres() {
            let _ = write!(
                sql,
                "(SELECT coalesce(json_agg({item} ORDER BY {order}), '[]'::json) FROM ({rows}) {b}{joined})"
            );
        } else {
            let _ = write!(
                sql,
                "json((SELECT json_group_array(json({item}) ORDER BY {order}) FROM ({rows}) {b}{joined}))"
            );
        }
    }
}
