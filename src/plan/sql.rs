//! The SQL expression that builds an object's JSON inside the database: PostgreSQL's
//! `json_build_object`/`json_agg`, SQLite's `json_object`/`json_group_array`. Every
//! nested row is read in its parent's tenant (`child.tenant_id = parent.tenant_id`,
//! the parent being the viewer's), and the only values written into the text are
//! validated page sizes; everything a client sends stays a bound parameter of the
//! root statement.

use std::fmt::Write;

use sea_orm::DatabaseBackend;

use super::compile::{ManyEdge, ManyField, Object, ObjectField};
use super::types::{Kind, Many};

/// Writes JSON-building SQL for one statement, naming its row aliases.
pub struct JsonSql<'a> {
    backend: DatabaseBackend,
    /// The page size of a nested connection from its `first` argument; `None` when
    /// the value is not one async-graphql would accept (the plan then steps aside).
    limit: &'a (dyn Fn(Option<&async_graphql_value::Value>) -> Option<u64> + Sync),
    aliases: usize,
}

impl<'a> JsonSql<'a> {
    pub fn new(
        backend: DatabaseBackend,
        limit: &'a (dyn Fn(Option<&async_graphql_value::Value>) -> Option<u64> + Sync),
    ) -> Self {
        JsonSql {
            backend,
            limit,
            aliases: 0,
        }
    }

    fn postgres(&self) -> bool {
        self.backend == DatabaseBackend::Postgres
    }

    /// The call that opens a JSON object in this dialect.
    fn json_object(&self) -> &'static str {
        if self.postgres() {
            "json_build_object("
        } else {
            "json_object("
        }
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("p{}", self.aliases)
    }

    /// The JSON text of `object` for the row `alias`, as the statement's result column.
    pub fn root(&mut self, object: &Object, alias: &str) -> Option<String> {
        let mut sql = String::with_capacity(1024);
        self.object(&mut sql, object, alias)?;
        if self.postgres() {
            sql.push_str("::text");
        }
        Some(sql)
    }

    fn object(&mut self, sql: &mut String, object: &Object, row: &str) -> Option<()> {
        sql.push_str(self.json_object());
        for (i, (key, field)) in object.fields.iter().enumerate() {
            pair(sql, i, key);
            match field {
                ObjectField::Typename(name) => {
                    let _ = write!(sql, "'{name}'");
                }
                ObjectField::Column(column, kind) => self.column(sql, row, column, *kind),
                ObjectField::One(column, target) => {
                    let b = self.alias();
                    self.open_nested(sql);
                    sql.push_str("SELECT ");
                    self.object(sql, target, &b)?;
                    let table = target.ty.table;
                    let _ = write!(
                        sql,
                        " FROM \"{table}\" {b} WHERE {b}.tenant_id = {row}.tenant_id AND {b}.id = {row}.\"{column}\""
                    );
                    self.close_nested(sql);
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

    /// `(SELECT ...)` as a JSON value of the enclosing object (SQLite forgets that a
    /// subquery's text is JSON unless told again).
    fn open_nested(&self, sql: &mut String) {
        sql.push_str(if self.postgres() { "(" } else { "json((" });
    }

    fn close_nested(&self, sql: &mut String) {
        sql.push_str(if self.postgres() { ")" } else { "))" });
    }

    fn column(&self, sql: &mut String, row: &str, column: &str, kind: Kind) {
        let c = format!("{row}.\"{column}\"");
        match (kind, self.postgres()) {
            (Kind::Plain, _) | (Kind::Bool, true) => sql.push_str(&c),
            (Kind::Bool, false) => {
                let _ = write!(
                    sql,
                    "CASE WHEN {c} IS NULL THEN NULL WHEN {c} THEN json('true') ELSE json('false') END"
                );
            }
            // As chrono's `to_rfc3339`: seconds, then 3 or 6 digits when not zero. The
            // seconds come from a timestamp's text (ISO, as sqlx sets `DateStyle`),
            // several times cheaper than `to_char`, for years 1 to 9999; other years
            // are written as chrono writes them (astronomical, signed beyond 9999).
            (Kind::Time, true) => {
                let frac = format!("(({c} % 1000000 + 1000000) % 1000000)");
                let at = format!(
                    "(timestamp '1970-01-01' + (({c} - {frac}) / 1000000) * interval '1 second')"
                );
                let _ = write!(
                    sql,
                    "CASE WHEN {c} >= -62135596800000000 AND {c} < 253402300800000000 \
                     THEN replace({at}::text, ' ', 'T') \
                     ELSE (SELECT CASE WHEN y BETWEEN 0 AND 9999 THEN lpad(y::text, 4, '0') \
                     WHEN y < 0 THEN '-' || lpad((-y)::text, 4, '0') ELSE '+' || y::text END \
                     FROM (SELECT CASE WHEN x < 0 THEN x + 1 ELSE x END AS y \
                     FROM (SELECT extract(year FROM {at})::int AS x) AS year) AS year) \
                     || to_char({at}, '-MM-DD\"T\"HH24:MI:SS') END \
                     || CASE WHEN {frac} = 0 THEN '' WHEN {frac} % 1000 = 0 THEN '.' || lpad(({frac} / 1000)::text, 3, '0') \
                     ELSE '.' || lpad({frac}::text, 6, '0') END || '+00:00'"
                );
            }
            (Kind::Time, false) => {
                let frac = format!("(({c} % 1000000 + 1000000) % 1000000)");
                let _ = write!(
                    sql,
                    "strftime('%Y-%m-%dT%H:%M:%S', ({c} - {frac}) / 1000000, 'unixepoch') \
                     || CASE WHEN {frac} = 0 THEN '' WHEN {frac} % 1000 = 0 THEN '.' || substr('00' || ({frac} / 1000), -3) \
                     ELSE '.' || substr('00000' || {frac}, -6) END || '+00:00'"
                );
            }
            // `base64url("Type:id")` without padding, as `ids::NodeKind::id`; the
            // compiler keeps ids off SQLite, which has no base64.
            (Kind::Id(kind), _) => {
                let _ = write!(
                    sql,
                    "rtrim(translate(encode(convert_to('{}:' || {c}, 'UTF8'), 'base64'), '+/', '-_'), '=')",
                    kind.name()
                );
            }
        }
    }

    /// A nested connection's JSON: its nodes or edges (one page of `limit` rows in the
    /// relation's order) and its total.
    fn connection(
        &mut self,
        sql: &mut String,
        many: &Many,
        limit: u64,
        fields: &[(String, ManyField)],
        parent: &str,
    ) -> Option<()> {
        sql.push_str(self.json_object());
        for (i, (key, field)) in fields.iter().enumerate() {
            pair(sql, i, key);
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
                    let mut item = String::new();
                    self.object(&mut item, object, &b)?;
                    self.page(sql, many, limit, parent, &b, &item);
                }
                ManyField::Edges(edge) => {
                    let b = self.alias();
                    let mut item = String::from(self.json_object());
                    for (j, (key, field)) in edge.iter().enumerate() {
                        pair(&mut item, j, key);
                        match field {
                            ManyEdge::Node(object) => self.object(&mut item, object, &b)?,
                            ManyEdge::Link(column, kind) => {
                                self.column(&mut item, &b, &format!("link_{column}"), *kind)
                            }
                        }
                    }
                    item.push(')');
                    self.page(sql, many, limit, parent, &b, &item);
                }
            }
        }
        sql.push(')');
        Some(())
    }

    /// The JSON array of `item` over one page of `many`'s rows of `parent`, read as
    /// `b`: for tag links, the link's columns (`link_*`) beside its tag's.
    fn page(
        &mut self,
        sql: &mut String,
        many: &Many,
        limit: u64,
        parent: &str,
        b: &str,
        item: &str,
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
        let rows = format!(
            "{rows} WHERE {r}.tenant_id = {parent}.tenant_id AND {r}.\"{fk}\" = {parent}.id ORDER BY {r}.\"{s1}\", {r}.\"{s2}\" LIMIT {limit}"
        );
        if self.postgres() {
            let _ = write!(
                sql,
                "(SELECT coalesce(json_agg({item} ORDER BY {order}), '[]'::json) FROM ({rows}) {b})"
            );
        } else {
            let _ = write!(
                sql,
                "json((SELECT json_group_array(json({item}) ORDER BY {order}) FROM ({rows}) {b}))"
            );
        }
    }
}

/// The key of the `i`th pair of a JSON object call, after the pairs before it.
fn pair(sql: &mut String, i: usize, key: &str) {
    if i > 0 {
        sql.push_str(", ");
    }
    let _ = write!(sql, "'{key}', ");
}
