//! The values a request passes in, checked before anything runs: every argument
//! written in the document (operations, fragments, directives) and every variable
//! an argument uses, nested lists and input objects included. Two things are
//! refused here, as BAD_USER_INPUT, whatever field or transport they come through:
//!
//! - a list longer than `--max-list-items` (a 33,000-id filter overflows SQLite's
//!   statement variables and holds a PostgreSQL connection for seconds); the list
//!   items are also added to the operation's cost;
//! - a string (or an input object's key) with a NUL character in it, which
//!   PostgreSQL refuses as a failed statement while SQLite stores it.
//!
//! The walk keeps its own stack, so no document or variable is too deep for it.

use std::collections::HashMap;

use async_graphql::parser::Positioned;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Variables};
use async_graphql_value::{ConstValue, Value};

use crate::error::Error;

/// How long a list a request may pass and what an operation may cost in all.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// Most items in one list (see [`crate::limits::Limits::max_list_items`]).
    pub max_list_items: usize,
    /// Highest cost of an operation, list items included.
    pub max_complexity: usize,
}

/// The items of every list an operation passes, counted into its cost.
#[derive(Debug, Clone, Copy)]
pub struct ListItems(pub usize);

/// Lists the API documents a cap of their own for, other than `--max-list-items`:
/// the field, the path below its arguments, and the cap (which the service checks
/// with a userError; the walk only keeps it from being refused sooner).
const OWN_CAPS: &[(&str, &[&str], usize)] = &[(
    "importConversation",
    &["input", "messages"],
    crate::service::import::MAX_MESSAGES,
)];

/// A value in the walk: written in the document, or from a variable.
#[derive(Clone, Copy)]
enum Node<'a> {
    Written(&'a Value),
    Sent(&'a ConstValue),
}

/// Where a value sits: the field and argument it belongs to, for the message, and
/// the rest of the path of an [`OWN_CAPS`] list it may still lead to.
#[derive(Clone, Copy)]
struct Place<'a> {
    field: &'a str,
    argument: &'a str,
    own_cap: OwnCap,
}

impl<'a> Place<'a> {
    fn argument(field: &'a str, argument: &'a str) -> Place<'a> {
        let own_cap = OWN_CAPS
            .iter()
            .find(|(f, path, _)| *f == field && path.first() == Some(&argument))
            .map(|(_, path, cap)| (&path[1..], *cap));
        Place {
            field,
            argument,
            own_cap,
        }
    }

    /// The place of the value under `key` of an input object here.
    fn key(self, key: &str) -> Place<'a> {
        let own_cap = self
            .own_cap
            .and_then(|(path, cap)| (path.first() == Some(&key)).then(|| (&path[1..], cap)));
        Place { own_cap, ..self }
    }

    /// The place of an item of a list here.
    fn item(self) -> Place<'a> {
        Place {
            own_cap: None,
            ..self
        }
    }

    /// Where this is, for a message.
    fn describe(&self) -> String {
        if self.field.is_empty() {
            "a variable's default value".to_owned()
        } else {
            format!("argument `{}` of `{}`", self.argument, self.field)
        }
    }

    /// The most items a list here may have.
    fn cap(&self, common: usize) -> usize {
        match self.own_cap {
            Some(([], cap)) => cap,
            _ => common,
        }
    }
}

/// Checks every argument value of `document` and every variable they use (from
/// `variables`, or the declared default), and returns how many list items they pass.
pub fn check(
    document: &ExecutableDocument,
    variables: &Variables,
    limits: &InputLimits,
) -> Result<usize, Error> {
    let mut walk = Walk {
        limits,
        variables,
        defaults: HashMap::new(),
        items: 0,
        walked: HashMap::new(),
    };
    let operations = document.operations.iter().map(|(_, op)| &op.node);
    for operation in operations.clone() {
        for definition in &operation.variable_definitions {
            let definition = &definition.node;
            if let Some(default) = &definition.default_value {
                walk.defaults.insert(&definition.name.node, &default.node);
                walk.value(Node::Sent(&default.node), Place::argument("", ""))?;
            }
        }
    }
    let mut sets: Vec<&SelectionSet> = Vec::new();
    for operation in operations {
        walk.directives(&operation.directives)?;
        sets.push(&operation.selection_set.node);
    }
    for fragment in document.fragments.values() {
        walk.directives(&fragment.node.directives)?;
        sets.push(&fragment.node.selection_set.node);
    }
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    walk.arguments(&field.name.node, &field.arguments)?;
                    walk.directives(&field.directives)?;
                    sets.push(&field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    walk.directives(&fragment.node.directives)?;
                    sets.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => walk.directives(&spread.node.directives)?,
            }
        }
    }
    Ok(walk.items)
}

type Arguments = [(Positioned<Name>, Positioned<Value>)];

struct Walk<'a> {
    limits: &'a InputLimits,
    variables: &'a Variables,
    defaults: HashMap<&'a Name, &'a ConstValue>,
    /// List items seen so far, a variable counted at each use.
    items: usize,
    /// The list items of each variable walked, by where it was used: a variable
    /// used by many fields is walked once.
    walked: HashMap<(&'a Name, OwnCap), usize>,
}

/// The rest of the path to an [`OWN_CAPS`] list, and its cap.
type OwnCap = Option<(&'static [&'static str], usize)>;

impl<'a> Walk<'a> {
    fn directives(
        &mut self,
        directives: &'a [Positioned<async_graphql::parser::types::Directive>],
    ) -> Result<(), Error> {
        for directive in directives {
            let directive = &directive.node;
            self.arguments(&directive.name.node, &directive.arguments)?;
        }
        Ok(())
    }

    fn arguments(&mut self, field: &'a str, arguments: &'a Arguments) -> Result<(), Error> {
        for (name, value) in arguments {
            self.value(
                Node::Written(&value.node),
                Place::argument(field, &name.node),
            )?;
        }
        Ok(())
    }

    /// Walks `value` and everything in it.
    fn value(&mut self, value: Node<'a>, place: Place<'a>) -> Result<(), Error> {
        let mut stack = vec![(value, place)];
        while let Some((node, place)) = stack.pop() {
            match node {
                Node::Written(Value::Variable(name)) => self.variable(name, place)?,
                Node::Written(Value::String(s)) | Node::Sent(ConstValue::String(s)) => {
                    no_nul(s, &place)?
                }
                Node::Written(Value::Enum(s)) | Node::Sent(ConstValue::Enum(s)) => {
                    no_nul(s, &place)?
                }
                Node::Written(Value::List(items)) => {
                    self.list(items.len(), &place)?;
                    let item = place.item();
                    stack.extend(items.iter().map(|v| (Node::Written(v), item)));
                }
                Node::Sent(ConstValue::List(items)) => {
                    self.list(items.len(), &place)?;
                    let item = place.item();
                    stack.extend(items.iter().map(|v| (Node::Sent(v), item)));
                }
                Node::Written(Value::Object(fields)) => {
                    for (key, v) in fields {
                        no_nul(key, &place)?;
                        stack.push((Node::Written(v), place.key(key)));
                    }
                }
                Node::Sent(ConstValue::Object(fields)) => {
                    for (key, v) in fields {
                        no_nul(key, &place)?;
                        stack.push((Node::Sent(v), place.key(key)));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Walks the value of variable `name` used at `place` (once per place).
    fn variable(&mut self, name: &'a Name, place: Place<'a>) -> Result<(), Error> {
        let key = (name, place.own_cap);
        if let Some(items) = self.walked.get(&key) {
            self.items = self.items.saturating_add(*items);
            return Ok(());
        }
        let sent = self
            .variables
            .get(name)
            .or(self.defaults.get(name).copied());
        let before = self.items;
        if let Some(sent) = sent {
            // A variable holds no variables: this goes one level deep.
            self.value(Node::Sent(sent), place)?;
        }
        self.walked.insert(key, self.items.saturating_sub(before));
        Ok(())
    }

    /// Counts a list of `len` items at `place`, or refuses it.
    fn list(&mut self, len: usize, place: &Place<'_>) -> Result<(), Error> {
        let cap = place.cap(self.limits.max_list_items);
        if len > cap {
            return Err(Error::bad_input(format!(
                "a list in {} has {len} items; at most {cap} are allowed",
                place.describe()
            )));
        }
        self.items = self.items.saturating_add(len);
        Ok(())
    }
}

/// Refuses text with a NUL character in it.
fn no_nul(text: &str, place: &Place<'_>) -> Result<(), Error> {
    if text.contains('\0') {
        return Err(Error::bad_input(format!(
            "a text in {} contains a NUL character (U+0000), which is not allowed",
            place.describe()
        )));
    }
    Ok(())
}

/// Refuses an operation whose cost, `complexity` plus the `items` of its lists,
/// is over the limit, and returns the cost to charge.
pub fn cost(complexity: usize, items: usize, limits: &InputLimits) -> Result<usize, Error> {
    let cost = complexity.saturating_add(items);
    if cost > limits.max_complexity {
        return Err(Error::TooComplex(format!(
            "the query costs {cost} (its fields {complexity}, the items of its lists {items}); \
             at most {} is allowed",
            limits.max_complexity
        )));
    }
    Ok(cost)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use async_graphql::parser::parse_query;
    use serde_json::json;

    use super::*;

    const LIMITS: InputLimits = InputLimits {
        max_list_items: 3,
        max_complexity: 100,
    };

    fn walk(query: &str, variables: serde_json::Value) -> Result<usize, String> {
        let document = parse_query(query).unwrap();
        check(&document, &Variables::from_json(variables), &LIMITS).map_err(|e| e.message())
    }

    #[test]
    fn lists_are_capped_where_written_and_in_variables() {
        assert_eq!(walk("{ a(ids: [1, 2, 3]) }", json!({})), Ok(3));
        assert!(walk("{ a(ids: [1, 2, 3, 4]) }", json!({})).is_err());
        assert!(walk("{ a(f: { x: { ids: [1, 2, 3, 4] } }) }", json!({})).is_err());
        assert!(walk("{ a(ids: [[1], [1, 2, 3, 4]]) }", json!({})).is_err());
        assert!(walk("{ ... on Query { b { a(ids: [1, 2, 3, 4]) } } }", json!({})).is_err());
        assert!(
            walk(
                "{ x } fragment F on Query { a(ids: [1, 2, 3, 4]) }",
                json!({})
            )
            .is_err()
        );
        assert!(walk("{ a @include(if: [1, 2, 3, 4]) }", json!({})).is_err());
        let by_variable = "query($v: [Int]) { a(ids: $v) }";
        assert_eq!(walk(by_variable, json!({ "v": [1, 2, 3] })), Ok(3));
        assert!(walk(by_variable, json!({ "v": [1, 2, 3, 4] })).is_err());
        assert!(walk(by_variable, json!({ "v": { "x": [[1, 2, 3, 4]] } })).is_err());
        let with_default = "query($v: [Int] = [1, 2, 3, 4]) { a(ids: $v) }";
        assert!(walk(with_default, json!({})).is_err());
        // A variable's items count at each use, though it is walked once.
        let twice = "query($v: [Int]) { a(ids: $v) b: a(ids: $v) }";
        assert_eq!(walk(twice, json!({ "v": [1, 2] })), Ok(4));
    }

    #[test]
    fn an_import_has_its_own_cap() {
        let import =
            "mutation($m: [M!]!) { importConversation(input: { messages: $m, tags: $m }) }";
        let messages = json!(vec![json!({ "text": "x" }); 1000]);
        let err = walk(import, json!({ "m": messages })).unwrap_err();
        assert!(err.contains("importConversation"), "{err}");
        let import = "mutation($input: I!) { importConversation(input: $input) }";
        let input = json!({ "input": { "messages": messages } });
        assert_eq!(walk(import, input), Ok(1000));
        let input = json!({ "input": { "messages": vec![json!({ "text": "x" }); 1001] } });
        assert!(walk(import, input).is_err());
        let input = json!({ "input": { "messages": [{ "ids": [1, 2, 3, 4] }] } });
        assert!(
            walk(import, input).is_err(),
            "lists inside keep the common cap"
        );
        assert!(walk("{ other(input: { messages: [1, 2, 3, 4] }) }", json!({})).is_err());
    }

    #[test]
    fn nul_is_refused_in_strings_enums_and_keys() {
        assert!(walk(r#"{ a(s: "a\u0000") }"#, json!({})).is_err());
        let by_variable = "query($v: String) { a(s: $v) }";
        assert_eq!(walk(by_variable, json!({ "v": "fine" })), Ok(0));
        assert!(walk(by_variable, json!({ "v": "a\u{0}" })).is_err());
        assert!(walk(by_variable, json!({ "v": { "k\u{0}": 1 } })).is_err());
        assert!(walk(by_variable, json!({ "v": [["\u{0}"]] })).is_err());
    }

    #[test]
    fn list_items_add_to_the_cost() {
        assert_eq!(cost(90, 10, &LIMITS).unwrap(), 100);
        assert!(matches!(cost(90, 11, &LIMITS), Err(Error::TooComplex(_))));
    }
}
