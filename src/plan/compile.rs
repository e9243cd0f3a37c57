//! From a validated document to its plan, once per document: the selection sets
//! flattened (fragments inlined), each field looked up in [`super::types`]. `None`
//! whenever any part of the operation is outside what a plan answers: the operation
//! then runs through async-graphql as before.

use async_graphql::Name;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql_value::{ConstValue, Value};

use super::types::{self, FieldDef, Kind, Many, Needs, TypeDef};

/// What a plan answers for one operation.
#[derive(Debug)]
pub struct Plan {
    /// The root fields, by response key, in the query's order.
    pub roots: Vec<(String, Root)>,
    /// What the viewer must be allowed to read for the plan to answer.
    pub needs: Vec<Needs>,
    /// The operation's variables with their defaults.
    pub defaults: Vec<(Name, Option<ConstValue>)>,
}

/// A root field.
#[derive(Debug)]
pub enum Root {
    Typename,
    /// `conversationByNumber(number:)`.
    ByNumber {
        number: Value,
        object: Object,
    },
    /// `conversation(id:)`.
    ById {
        id: Value,
        object: Object,
    },
    /// `conversations(filter:, orderBy:, first:, after:, last:, before:)`.
    List {
        args: Vec<(Name, Value)>,
        fields: Vec<(String, ListField)>,
    },
}

/// A field of the root connection.
#[derive(Debug)]
pub enum ListField {
    Nodes(Object),
    Edges(Vec<(String, ListEdge)>),
    PageInfo(Vec<(String, PageField)>),
    TotalCount,
}

/// A field of the root connection's edges.
#[derive(Debug)]
pub enum ListEdge {
    Cursor,
    Node(Object),
}

/// A field of `PageInfo`.
#[derive(Debug, Clone, Copy)]
pub enum PageField {
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

/// The selection of an object type.
#[derive(Debug)]
pub struct Object {
    pub ty: &'static TypeDef,
    pub fields: Vec<(String, ObjectField)>,
}

/// A selected field of an object.
#[derive(Debug)]
pub enum ObjectField {
    Typename(&'static str),
    Column(&'static str, Kind),
    One(&'static str, Object),
    Many {
        many: &'static Many,
        first: Option<Value>,
        fields: Vec<(String, ManyField)>,
    },
}

/// A selected field of a nested connection.
#[derive(Debug)]
pub enum ManyField {
    Nodes(Object),
    Edges(Vec<(String, ManyEdge)>),
    TotalCount,
}

/// A selected field of a nested connection's edges.
#[derive(Debug)]
pub enum ManyEdge {
    Node(Object),
    Link(&'static str, Kind),
}

/// Fields an object may hold before a plan stops answering: PostgreSQL's functions
/// take at most 100 arguments, one per field.
const MAX_FIELDS: usize = 100;

/// The plan of `operation` in `document`, if a plan can answer it.
pub fn compile(document: &ExecutableDocument, operation: Option<&str>) -> Option<Plan> {
    let operation = match (&document.operations, operation) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    let operation = &operation.node;
    if operation.ty != OperationType::Query || !operation.directives.is_empty() {
        return None;
    }
    let mut compiler = Compiler {
        document,
        needs: Vec::new(),
    };
    let mut roots = Vec::new();
    for (key, field) in compiler.flatten(&operation.selection_set.node, "Query")? {
        roots.push((key, compiler.root(field)?));
    }
    let defaults = operation
        .variable_definitions
        .iter()
        .map(|v| {
            let default = v.node.default_value.as_ref().map(|d| d.node.clone());
            (v.node.name.node.clone(), default)
        })
        .collect();
    Some(Plan {
        roots,
        needs: compiler.needs,
        defaults,
    })
}

struct Compiler<'a> {
    document: &'a ExecutableDocument,
    needs: Vec<Needs>,
}

impl<'a> Compiler<'a> {
    fn need(&mut self, needs: Needs) {
        if !self.needs.contains(&needs) {
            self.needs.push(needs);
        }
    }

    fn root(&mut self, field: &'a Field) -> Option<Root> {
        match field.name.node.as_str() {
            "__typename" => Some(Root::Typename),
            "conversationByNumber" => {
                self.need(Needs::Conversations);
                Some(Root::ByNumber {
                    number: only_argument(field, "number")?,
                    object: self.object(field, &types::CONVERSATION)?,
                })
            }
            "conversation" => {
                self.need(Needs::Conversations);
                Some(Root::ById {
                    id: only_argument(field, "id")?,
                    object: self.object(field, &types::CONVERSATION)?,
                })
            }
            "conversations" => {
                self.need(Needs::Conversations);
                let args = field
                    .arguments
                    .iter()
                    .map(|(name, value)| (name.node.clone(), value.node.clone()))
                    .collect();
                let mut fields = Vec::new();
                let set = &field.selection_set.node;
                for (key, inner) in self.flatten(set, "ConversationConnection")? {
                    let list = match inner.name.node.as_str() {
                        "nodes" => ListField::Nodes(self.object(inner, &types::CONVERSATION)?),
                        "totalCount" => ListField::TotalCount,
                        "pageInfo" => ListField::PageInfo(self.page_info(inner)?),
                        "edges" => ListField::Edges(self.list_edges(inner)?),
                        _ => return None,
                    };
                    fields.push((key, list));
                }
                Some(Root::List { args, fields })
            }
            _ => None,
        }
    }

    fn page_info(&mut self, field: &'a Field) -> Option<Vec<(String, PageField)>> {
        let mut fields = Vec::new();
        for (key, inner) in self.flatten(&field.selection_set.node, "PageInfo")? {
            let page = match inner.name.node.as_str() {
                "hasNextPage" => PageField::HasNextPage,
                "hasPreviousPage" => PageField::HasPreviousPage,
                "startCursor" => PageField::StartCursor,
                "endCursor" => PageField::EndCursor,
                _ => return None,
            };
            fields.push((key, page));
        }
        Some(fields)
    }

    fn list_edges(&mut self, field: &'a Field) -> Option<Vec<(String, ListEdge)>> {
        let mut fields = Vec::new();
        for (key, inner) in self.flatten(&field.selection_set.node, "ConversationEdge")? {
            let edge = match inner.name.node.as_str() {
                "cursor" => ListEdge::Cursor,
                "node" => ListEdge::Node(self.object(inner, &types::CONVERSATION)?),
                _ => return None,
            };
            fields.push((key, edge));
        }
        Some(fields)
    }

    /// The selection of `field`, an object of type `ty`.
    fn object(&mut self, field: &'a Field, ty: &'static TypeDef) -> Option<Object> {
        let mut fields = Vec::new();
        for (key, inner) in self.flatten(&field.selection_set.node, ty.name)? {
            let name = inner.name.node.as_str();
            if name == "__typename" {
                fields.push((key, ObjectField::Typename(ty.name)));
                continue;
            }
            let def = ty.field(name)?;
            // The type's guard covers every field but `id` (see `graphql::Read`).
            if name != "id" {
                self.need(ty.needs);
            }
            let compiled = match def {
                FieldDef::Column(column, kind) => {
                    no_arguments(inner)?;
                    ObjectField::Column(column, kind)
                }
                FieldDef::One { column, target } => {
                    no_arguments(inner)?;
                    ObjectField::One(column, self.object(inner, target)?)
                }
                FieldDef::Many(many) => self.many(inner, many)?,
            };
            fields.push((key, compiled));
        }
        (fields.len() <= MAX_FIELDS).then_some(Object { ty, fields })
    }

    fn many(&mut self, field: &'a Field, many: &'static Many) -> Option<ObjectField> {
        if let Some(needs) = many.needs {
            self.need(needs);
        }
        let mut first = None;
        for (name, value) in &field.arguments {
            match name.node.as_str() {
                "first" => first = Some(value.node.clone()),
                _ => return None,
            }
        }
        let mut fields = Vec::new();
        for (key, inner) in self.flatten(&field.selection_set.node, many.names[0])? {
            let compiled = match inner.name.node.as_str() {
                "nodes" => ManyField::Nodes(self.object(inner, many.node)?),
                "totalCount" => ManyField::TotalCount,
                "edges" => ManyField::Edges(self.many_edges(inner, many)?),
                _ => return None,
            };
            fields.push((key, compiled));
        }
        Some(ObjectField::Many {
            many,
            first,
            fields,
        })
    }

    fn many_edges(
        &mut self,
        field: &'a Field,
        many: &'static Many,
    ) -> Option<Vec<(String, ManyEdge)>> {
        let mut fields = Vec::new();
        for (key, inner) in self.flatten(&field.selection_set.node, many.names[1])? {
            let name = inner.name.node.as_str();
            let compiled = if name == "node" {
                ManyEdge::Node(self.object(inner, many.node)?)
            } else {
                let (_, column, kind) = many.edge.iter().find(|(field, ..)| *field == name)?;
                self.need(many.edge_needs);
                ManyEdge::Link(column, *kind)
            };
            fields.push((key, compiled));
        }
        Some(fields)
    }

    /// The fields of `set` on type `on`, fragments inlined, by response key. `None` for
    /// directives (their conditions depend on variables), fragments on other types
    /// and a response key that two different fields share.
    fn flatten(&self, set: &'a SelectionSet, on: &str) -> Option<Vec<(String, &'a Field)>> {
        let mut fields: Vec<(String, &'a Field)> = Vec::new();
        self.collect(set, on, &mut fields, 0)?;
        Some(fields)
    }

    fn collect(
        &self,
        set: &'a SelectionSet,
        on: &str,
        fields: &mut Vec<(String, &'a Field)>,
        depth: usize,
    ) -> Option<()> {
        // Fragments cannot nest forever in a validated document; this only bounds the walk.
        if depth > 32 {
            return None;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if !field.directives.is_empty() {
                        return None;
                    }
                    let key = field.response_key().node.to_string();
                    match fields.iter().find(|(k, _)| *k == key) {
                        // The same leaf twice (two fragments asking for `id`) is one field.
                        Some((_, seen)) if same_leaf(seen, field) => {}
                        Some(_) => return None,
                        None => fields.push((key, field)),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let condition = fragment.type_condition.as_ref();
                    if !fragment.directives.is_empty()
                        || condition.is_some_and(|c| c.node.on.node != on)
                    {
                        return None;
                    }
                    self.collect(&fragment.selection_set.node, on, fields, depth + 1)?;
                }
                Selection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    let fragment = &self
                        .document
                        .fragments
                        .get(&spread.fragment_name.node)?
                        .node;
                    if !spread.directives.is_empty()
                        || !fragment.directives.is_empty()
                        || fragment.type_condition.node.on.node != on
                    {
                        return None;
                    }
                    self.collect(&fragment.selection_set.node, on, fields, depth + 1)?;
                }
            }
        }
        Some(())
    }
}

fn same_leaf(a: &Field, b: &Field) -> bool {
    a.name.node == b.name.node
        && a.arguments.is_empty()
        && b.arguments.is_empty()
        && a.selection_set.node.items.is_empty()
        && b.selection_set.node.items.is_empty()
}

fn no_arguments(field: &Field) -> Option<()> {
    field.arguments.is_empty().then_some(())
}

/// The value of a field's one argument `name`.
fn only_argument(field: &Field, name: &str) -> Option<Value> {
    match field.arguments.as_slice() {
        [(arg, value)] if arg.node == name => Some(value.node.clone()),
        _ => None,
    }
}
