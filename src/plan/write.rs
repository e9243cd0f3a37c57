//! The response JSON of an object from its row's positional JSON (`super::sql`):
//! each selected field under its response key, in the form its resolver gives it
//! (timestamps through `graphql::types::at` and chrono's RFC 3339, ids through
//! `NodeKind::id`, booleans from SQLite's 0 and 1).

use std::fmt::Write;

use serde_json::Value;

use super::compile::{ManyEdge, ManyField, Object, ObjectField};
use super::types::Kind;
use crate::graphql::types::at;

/// Writes `object`'s JSON for `row`, its array (`null` for a missing reference).
pub fn object(out: &mut String, object: &Object, row: &Value) -> Option<()> {
    let values = match row {
        Value::Null => {
            out.push_str("null");
            return Some(());
        }
        Value::Array(values) => values,
        _ => return None,
    };
    let mut values = values.iter();
    out.push('{');
    for (i, (key, field)) in object.fields.iter().enumerate() {
        member(out, i, key);
        match field {
            ObjectField::Typename(name) => {
                let _ = write!(out, "\"{name}\"");
            }
            ObjectField::Column(_, kind) => column(out, *kind, values.next()?)?,
            ObjectField::One(_, target) => self::object(out, target, values.next()?)?,
            ObjectField::Many { fields, .. } => connection(out, fields, values.next()?)?,
        }
    }
    out.push('}');
    Some(())
}

/// A nested connection from its array: per field, the total or the page's rows.
fn connection(out: &mut String, fields: &[(String, ManyField)], row: &Value) -> Option<()> {
    let mut values = row.as_array()?.iter();
    out.push('{');
    for (i, (key, field)) in fields.iter().enumerate() {
        member(out, i, key);
        let value = values.next()?;
        match field {
            ManyField::TotalCount => column(out, Kind::Plain, value)?,
            ManyField::Nodes(node) => list(out, value, |out, item| object(out, node, item))?,
            ManyField::Edges(edge) => list(out, value, |out, item| {
                let mut values = item.as_array()?.iter();
                out.push('{');
                for (j, (key, field)) in edge.iter().enumerate() {
                    member(out, j, key);
                    match field {
                        ManyEdge::Node(node) => object(out, node, values.next()?)?,
                        ManyEdge::Link(_, kind) => column(out, *kind, values.next()?)?,
                    }
                }
                out.push('}');
                Some(())
            })?,
        }
    }
    out.push('}');
    Some(())
}

/// A JSON list of `items`, each written by `write`.
fn list(
    out: &mut String,
    items: &Value,
    mut write: impl FnMut(&mut String, &Value) -> Option<()>,
) -> Option<()> {
    out.push('[');
    for (i, item) in items.as_array()?.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(out, item)?;
    }
    out.push(']');
    Some(())
}

/// A column's value as its field's JSON.
fn column(out: &mut String, kind: Kind, value: &Value) -> Option<()> {
    if value.is_null() {
        out.push_str("null");
        return Some(());
    }
    match kind {
        Kind::Plain => {
            let _ = write!(out, "{value}");
        }
        Kind::Bool => {
            let yes = match value {
                Value::Bool(yes) => *yes,
                number => number.as_i64()? != 0,
            };
            out.push_str(if yes { "true" } else { "false" });
        }
        Kind::Time => {
            let _ = write!(out, "\"{}\"", at(value.as_i64()?).to_rfc3339());
        }
        // Base64url: nothing to escape.
        Kind::Id(node) => {
            let _ = write!(out, "\"{}\"", node.id(value.as_i64()?).0);
        }
    }
    Some(())
}

/// `"key":` of the `i`th member of a JSON object, after the members before it.
pub fn member(out: &mut String, i: usize, key: &str) {
    if i > 0 {
        out.push(',');
    }
    let _ = write!(out, "\"{key}\":");
}
