//! What every operation goes through before it runs, over HTTP and over websockets
//! alike: persisted queries are resolved (or only registered ones let through),
//! parsed documents reused, aliases counted, the tenant's rate limit charged with the
//! operation's validated cost, and every error left without a code given one.
//!
//! The checks stay out of the schema that executes. With any extension installed,
//! async-graphql sends every field of every response through the extension chain: a
//! registry lookup and boxed futures per field, about a tenth of an inbox request's
//! instructions (an inbox page resolves ~1,300 fields). Only the validated cost needs
//! a hook inside async-graphql, so a second copy of the schema, the probe, carries
//! one: it checks the parsed (or reused) document's depth and aliases, validates and
//! charges, and stops before executing. The copy that executes has no extension and
//! gets the parsed document, which it validates only for what execution needs.

use std::any::{Any, TypeId};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::futures_util::future::BoxFuture;
use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, Selection, SelectionSet,
};
use async_graphql::{
    Data, ErrorExtensionValues, Executor, Name, ObjectType, Positioned, Request, Response, Schema,
    SchemaBuilder, ServerError, ServerResult, ValidationMode, ValidationResult, Value, Variables,
};

use super::values::{self, InputLimits, ListItems};
use super::{Mutation, Subscription};
use crate::auth::Auth;
use crate::cache::{ParsedDocuments, document_weight};
use crate::config::CacheOptions;
use crate::error::{Code, Error};
use crate::limits::Limits;
use crate::persisted::Store;
use crate::plan::Plans;
use crate::ratelimit::{Charge, Limiter};

/// The schema behind its checks; what the server executes requests with.
#[derive(Clone)]
pub struct CheckedSchema(Arc<Inner>);

struct Inner {
    /// Executes checked requests.
    schema: Box<dyn Roots>,
    /// The same schema with the [`Rules`] extension, which checks and charges.
    probe: Box<dyn Roots>,
    rules: Arc<Rules>,
    persisted: Option<Store>,
    /// Compiled queries, answered without async-graphql's execution (see `plan`).
    plans: Option<Plans>,
    /// Whether `_service { sdl }` (a federation subgraph's SDL) is refused, as
    /// introspection is when it is off.
    service_hidden: bool,
}

/// A schema whichever query root it has: Parley's own, or a federation subgraph's
/// (see [`super::SubgraphQuery`]).
trait Roots: Send + Sync + 'static {
    fn execute(&self, request: Request) -> BoxFuture<'_, Response>;
    fn execute_stream(&self, request: Request, session: Arc<Data>) -> BoxStream<'static, Response>;
    fn sdl(&self) -> String;
}

impl<Q: ObjectType + 'static> Roots for Schema<Q, Mutation, Subscription> {
    fn execute(&self, request: Request) -> BoxFuture<'_, Response> {
        Box::pin(Schema::execute(self, request))
    }

    fn execute_stream(&self, request: Request, session: Arc<Data>) -> BoxStream<'static, Response> {
        self.execute_stream_with_session_data(request, session)
    }

    fn sdl(&self) -> String {
        Schema::sdl(self)
    }
}

/// What a request gets: a response async-graphql built, or the JSON body a plan wrote.
pub enum Answer {
    Executed(Response),
    Planned(String),
}

/// The checks that need async-graphql's parser and validator.
struct Rules {
    max_aliases: usize,
    /// Deepest bracket nesting of a document or its variables, checked before parsing.
    max_nesting: usize,
    inputs: InputLimits,
    limiter: Limiter,
    /// Documents kept parsed, by their text: an application sends the same few
    /// operations. Bounded by bytes, as a hostile client sends new large ones.
    parsed: ParsedDocuments,
    /// Longest text kept parsed.
    max_kept: usize,
}

impl CheckedSchema {
    /// The schema `build` makes, within `limits` (aliases per document, nesting of
    /// documents and variables, list items, cost), `limiter` charged, persisted
    /// queries kept in `persisted`, parsed documents within the bounds of `caches`
    /// and queries answered by their `plans` where they have one; `_service` is
    /// refused when `introspection` is off.
    pub fn new<Q: ObjectType + 'static>(
        build: impl Fn() -> SchemaBuilder<Q, Mutation, Subscription>,
        limits: &Limits,
        limiter: Limiter,
        persisted: Option<Store>,
        caches: &CacheOptions,
        plans: Option<Plans>,
        introspection: bool,
    ) -> CheckedSchema {
        // A typical operation of a few KB weighs some 50 KB parsed.
        let rules = Arc::new(Rules {
            max_aliases: limits.max_aliases,
            max_nesting: limits.max_nesting,
            inputs: InputLimits {
                max_list_items: limits.max_list_items,
                max_complexity: limits.max_complexity,
            },
            limiter,
            parsed: ParsedDocuments::new(caches.parsed_cache_bytes, 50 << 10),
            max_kept: caches.max_cached_query_bytes,
        });
        CheckedSchema(Arc::new(Inner {
            // The probe validated the same document against the same types in full.
            schema: Box::new(build().validation_mode(ValidationMode::Fast).finish()),
            probe: Box::new(build().extension(Probe(rules.clone())).finish()),
            rules,
            persisted,
            plans,
            service_hidden: !introspection,
        }))
    }

    /// Answers `request`, with its plan when one answers it (after the same checks).
    pub async fn answer(&self, request: Request) -> Answer {
        let (mut request, order) = match self.check(request, None).await {
            Ok(checked) => checked,
            Err(refused) => return Answer::Executed(with_codes(refused)),
        };
        if let (Some(plans), Some(Auth(Ok(viewer)))) = (&self.0.plans, get::<Auth>(&request.data)) {
            let viewer = viewer.clone();
            if let Some(body) = plans.answer(&mut request, &viewer).await {
                return Answer::Planned(body);
            }
        }
        let response = self.0.schema.execute(request).await;
        Answer::Executed(with_codes(in_order(response, &order)))
    }

    /// The SDL of the schema.
    pub fn sdl(&self) -> String {
        self.0.schema.sdl()
    }

    /// The bytes the parsed documents kept for reuse are estimated to hold.
    pub fn parsed_bytes(&self) -> u64 {
        self.0.rules.parsed.bytes()
    }

    /// `request` ready to execute with the response keys of its root fields in query
    /// order, or the response that refuses it. The viewer and the charge come from
    /// the request's data or, on a websocket, the session's.
    async fn check(
        &self,
        request: Request,
        session: Option<Arc<Data>>,
    ) -> Result<(Request, Vec<Name>), Response> {
        // Before anything parses the text.
        let max_nesting = self.0.rules.max_nesting;
        crate::limits::check_request(&request, max_nesting)
            .map_err(|err| refused_by(refused(err)))?;
        let authenticated = matches!(
            get::<Auth>(&request.data).or_else(|| get::<Auth>(session.as_deref()?)),
            Some(Auth(Ok(_)))
        );
        let (mut request, registration) = match &self.0.persisted {
            Some(store) => store
                .resolve(request, authenticated)
                .await
                .map_err(|err| refused_by(refused(err)))?,
            None => (request, None),
        };
        let document = match self.0.rules.parsed(&request.query) {
            Some(document) => document,
            None => {
                let document = crate::limits::parsed_document(&mut request, max_nesting)
                    .map_err(refused_by)?
                    .clone();
                self.0.rules.keep(&request.query, &document);
                document
            }
        };
        let operation = request.operation_name.as_deref();
        if self.0.service_hidden
            && root_fields(&document, operation).any(|field| field.node.name.node == "_service")
        {
            let err = Error::bad_input(
                "introspection is off, and with it `_service`: compose from `parley schema --federation`",
            );
            return Err(refused_by(refused(err)));
        }
        let items = values::check(&document, &request.variables, &self.0.rules.inputs)
            .map_err(|err| refused_by(refused(err)))?;
        if let (Some(store), Some(registration)) = (&self.0.persisted, registration) {
            store.register(registration, &request.query).await;
        }
        let mut probe = Request::new(request.query.clone()).variables(request.variables.clone());
        probe.data.insert(ListItems(items));
        probe.operation_name = request.operation_name.clone();
        probe.set_parsed_query(document.clone());
        if let Some(auth) = get::<Auth>(&request.data) {
            probe.data.insert(auth.clone());
        }
        if let Some(charge) = get::<Arc<Charge>>(&request.data) {
            probe.data.insert(charge.clone());
        }
        let mut verdict = self
            .0
            .probe
            .execute_stream(probe, session.unwrap_or_default());
        if let Some(refused) = verdict.next().await.filter(Response::is_err) {
            return Err(refused);
        }
        let order = root_keys(&document, request.operation_name.as_deref());
        request.set_parsed_query(document);
        Ok((request, order))
    }
}

impl Executor for CheckedSchema {
    async fn execute(&self, request: Request) -> Response {
        let response = match self.check(request, None).await {
            Ok((request, order)) => in_order(self.0.schema.execute(request).await, &order),
            Err(refused) => refused,
        };
        with_codes(response)
    }

    fn execute_stream(
        &self,
        request: Request,
        session: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let this = self.clone();
        stream::once(async move {
            match this.check(request, session.clone()).await {
                Ok((request, order)) => this
                    .0
                    .schema
                    .execute_stream(request, session.unwrap_or_default())
                    .map(move |response| in_order(response, &order))
                    .boxed(),
                Err(refused) => stream::iter([refused]).boxed(),
            }
        })
        .flatten()
        .map(with_codes)
        .boxed()
    }
}

/// The response keys of the operation's root fields, in the order the query asks for
/// them (fragments included).
fn root_keys(document: &ExecutableDocument, operation: Option<&str>) -> Vec<Name> {
    let mut keys = Vec::new();
    for field in root_fields(document, operation) {
        let key = &field.node.response_key().node;
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys
}

/// The operation's root fields, in the order the query asks for them (fragments
/// included).
fn root_fields<'a>(
    document: &'a ExecutableDocument,
    operation: Option<&str>,
) -> impl Iterator<Item = &'a Positioned<Field>> {
    fn collect<'a>(
        document: &'a ExecutableDocument,
        set: &'a SelectionSet,
        fields: &mut Vec<&'a Positioned<Field>>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => fields.push(field),
                Selection::InlineFragment(fragment) => {
                    collect(document, &fragment.node.selection_set.node, fields)
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                    {
                        collect(document, &fragment.node.selection_set.node, fields)
                    }
                }
            }
        }
    }
    let operation = match (&document.operations, operation) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) => operations.values().next(),
    };
    let mut fields = Vec::new();
    if let Some(operation) = operation {
        collect(document, &operation.node.selection_set.node, &mut fields);
    }
    fields.into_iter()
}

/// `response` with its root fields in `order`. async-graphql answers the fields of a
/// merged root (`Query`, `Mutation`) grouped by the part of the root that defines
/// them (async-graphql#612); the spec has a response follow the query's order.
fn in_order(mut response: Response, order: &[Name]) -> Response {
    if let Value::Object(data) = &mut response.data {
        let mut ordered = IndexMap::with_capacity(data.len());
        for key in order {
            if let Some(value) = data.shift_remove(key) {
                ordered.insert(key.clone(), value);
            }
        }
        ordered.extend(data.drain(..));
        *data = ordered;
    }
    response
}

/// A value of type `T` in request data.
fn get<T: Any>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>())?.downcast_ref()
}

/// An [`Error`] as the server error async-graphql's hooks return.
fn refused(err: Error) -> ServerError {
    async_graphql::Error::from(err).into_server_error(Default::default())
}

/// The response that refuses a request with `error`.
fn refused_by(error: ServerError) -> Response {
    Response::from_errors(vec![error])
}

/// Gives every error without a code one.
fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", Value::from(code_for(&error.message)));
        }
    }
    response
}

/// The code of an error async-graphql raised itself: limits it enforces are
/// QUERY_TOO_COMPLEX, everything else (parsing, validation, coercion) is the
/// client's input.
fn code_for(message: &str) -> &'static str {
    let too_complex = [
        "Query is too complex",
        "Query is nested too deep",
        "recursion limit exceeded",
    ];
    let code = if too_complex.iter().any(|m| message.starts_with(m)) {
        Code::QueryTooComplex
    } else {
        Code::BadUserInput
    };
    code.as_str()
}

impl Rules {
    /// The parsed document of `query`, if it is kept.
    fn parsed(&self, query: &str) -> Option<ExecutableDocument> {
        self.parsed.get(query).map(|document| (*document).clone())
    }

    /// Keeps the parsed document of `query`, unless it is longer than the longest
    /// kept (it still runs, parsed each time) or has no text (an allow-listed
    /// operation sent by hash alone, which the allow-list keeps parsed).
    fn keep(&self, query: &str, document: &ExecutableDocument) {
        if !query.is_empty() && query.len() <= self.max_kept {
            let bytes = document_weight(query);
            self.parsed.insert(query, Arc::new(document.clone()), bytes);
        }
    }
}

/// The probe's extension.
struct Probe(Arc<Rules>);

impl ExtensionFactory for Probe {
    fn create(&self) -> Arc<dyn Extension> {
        self.0.clone()
    }
}

#[async_trait::async_trait]
impl Extension for Rules {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // The document was parsed before; async-graphql has checked its depth now.
        let document = next.run(ctx, query, variables).await?;
        crate::limits::check_aliases(&document, self.max_aliases).map_err(refused)?;
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let items = ctx.data_opt::<ListItems>().map_or(0, |items| items.0);
        let cost = values::cost(result.complexity, items, &self.inputs)
            .map_err(|err| vec![refused(err)])?;
        if let Some(Auth(Ok(viewer))) = ctx.data_opt::<Auth>() {
            let charge = ctx.data_opt::<Arc<Charge>>();
            self.limiter
                .charge_operation(&viewer.tenant, cost, charge)
                .await
                .map_err(|err| vec![refused(err)])?;
        }
        // Valid and paid for: the probe stops here, with no error, before executing.
        Err(Vec::new())
    }
}
