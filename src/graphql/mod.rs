//! The GraphQL schema: roots merged from one module per node type. It knows
//! nothing of HTTP; the server, the tests and `parley schema` build the same one.

mod checks;
mod mutation;
pub(crate) mod query;
mod subscription;
pub mod types;
mod upload;
mod values;

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::OutputType;
use async_graphql::{Context, Guard, SDLExportOptions, Schema, SchemaBuilder};
use entity::tag;
use sea_orm::{DatabaseConnection, EntityTrait, Order, Select};

pub use checks::{Answer, CheckedSchema};
pub use mutation::Mutation;
pub use query::{EntityQuery, NoEntities, Query};
pub use subscription::Subscription;
pub use values::InputLimits;

use crate::auth::{Auth, Scope, Viewer};
use crate::error::{Error, Result};
use crate::loader::{
    ChildCount, ChildPage, HasId, Loaders, Relation, RowById, TagLinkRelation, TaggedPage,
};
use crate::pagination::{Conn, Page, PageRequest, TotalCount};

/// The executable schema.
pub type ParleySchema = Schema<Query, Mutation, Subscription>;

/// The query root of an Apollo Federation subgraph: [`Query`] with the entity
/// lookups, which add `_entities`, `_service` and the `@key`s.
pub type SubgraphQuery = Query<EntityQuery>;

/// The schema with its roots; the caller adds the checks and the database.
pub fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
}

/// The schema of Parley as a federation subgraph (`--federation`), with its roots.
pub fn subgraph_builder() -> SchemaBuilder<SubgraphQuery, Mutation, Subscription> {
    Schema::build(SubgraphQuery::default(), Mutation::default(), Subscription)
}

/// The SDL clients generate code from (what `schema.graphql` holds).
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The subgraph SDL a federation router composes (what `_service { sdl }` answers
/// with `--federation`): Federation v2, `@key(fields: "id")` on the entities.
pub fn subgraph_sdl() -> String {
    // The options async-graphql answers `_service { sdl }` with.
    let options = SDLExportOptions::new().federation().compose_directive();
    subgraph_builder().finish().sdl_with_options(options)
}

/// The viewer of this request, or UNAUTHENTICATED.
pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    match ctx.data_opt::<Auth>() {
        Some(Auth(Ok(viewer))) => Ok(viewer),
        Some(Auth(Err(err))) => Err(err.clone()),
        None => Err(Error::Unauthenticated(
            "send `Authorization: Bearer <token>`".into(),
        )),
    }
}

/// The viewer, if it has `scope`.
pub(crate) fn require<'a>(ctx: &Context<'a>, scope: Scope) -> Result<&'a Viewer> {
    viewer(ctx)?.require(scope)
}

/// The viewer, if it may read shared reference data (agents, queues, tags...).
pub(crate) fn require_reader<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    viewer(ctx)?.require_any(&[Scope::ConversationRead, Scope::TicketRead])
}

/// What reading an object type's data needs: the guard of every field of the object
/// types in `types/`, set once on the type (`#[Object(guard = ...)]`), so that a field
/// is guarded on every path to it (root queries, `node`/`nodes`, mutation payloads,
/// nested relations, subscriptions), and a field added later is guarded by default.
/// A field guard replaces the type's: `id` fields use [`Read::Id`], so that a token
/// that may only write still learns the ids of what it changed.
///
/// A guard rather than an extension: extensions are kept out of the schema that
/// executes (see `checks`), and a guard is a plain call compiled into each resolver.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Read {
    /// Conversations and what is theirs (messages, notes, ratings, activity, custom
    /// attribute values): `conversation:read`.
    Conversations,
    /// Tickets and their tag links: `ticket:read`.
    Tickets,
    /// Reference data both inboxes show (agents, queues, tags, contacts, attribute
    /// definitions): either read scope, as [`require_reader`].
    Reference,
    /// Webhook endpoints and their delivery logs: `admin`.
    Admin,
    /// An object's global ID: no further check (every path to an object began at a
    /// root field that authenticated the viewer).
    Id,
}

impl Guard for Read {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        match self {
            Read::Conversations => require(ctx, Scope::ConversationRead).map(drop),
            Read::Tickets => require(ctx, Scope::TicketRead).map(drop),
            Read::Reference => require_reader(ctx).map(drop),
            Read::Admin => require(ctx, Scope::Admin).map(drop),
            Read::Id => Ok(()),
        }
        .map_err(Into::into)
    }
}

/// The request's batched loader.
pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Arc<Loaders>> {
    ctx.data::<Arc<Loaders>>()
        .map_err(|_| Error::Internal("no loaders in the request".into()))
}

/// The database pool.
pub(crate) fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
        .map_err(|_| Error::Internal("no database in the schema".into()))
}

/// Where attachments are kept and how their links are signed.
pub(crate) fn attachments<'a>(ctx: &Context<'a>) -> Result<&'a crate::attachments::Attachments> {
    ctx.data::<crate::attachments::Attachments>()
        .map_err(|_| Error::Internal("no attachment store in the schema".into()))
}

/// The connection the services write through (see [`crate::db::Writer`]).
pub(crate) fn writer<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection> {
    ctx.data::<crate::db::Writer>()
        .map(|writer| &writer.0)
        .map_err(|_| Error::Internal("no writer in the schema".into()))
}

/// The row `id` of table `E` in the viewer's tenant, batched with its siblings.
pub(crate) async fn row<E>(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<E::Model>>
where
    E: HasId + Send + Sync + 'static,
    E::Model: Send + Sync + Clone,
{
    let Some(id) = id else { return Ok(None) };
    let tenant = &viewer(ctx)?.tenant;
    Ok(loaders(ctx)?
        .load_one(RowById::<E>::new(tenant, id))
        .await?)
}

/// The rows `ids` of table `E` in the viewer's tenant, by id (missing ones left out).
pub(crate) async fn rows<E>(
    ctx: &Context<'_>,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, E::Model>>
where
    E: HasId + Send + Sync + 'static,
    E::Model: Send + Sync + Clone,
{
    let tenant = &viewer(ctx)?.tenant;
    let found = loaders(ctx)?
        .load_many(ids.into_iter().map(|id| RowById::<E>::new(tenant, id)))
        .await?;
    Ok(found.into_iter().map(|(key, row)| (key.id, row)).collect())
}

/// One page of a top-level list and its lazy total.
pub(crate) async fn list<E, N>(
    ctx: &Context<'_>,
    select: Select<E>,
    sort: [E::Column; 2],
    order: Order,
    page: &PageRequest,
    node: impl FnMut(E::Model) -> N,
) -> Result<Conn<N>>
where
    E: EntityTrait<Model: entity::FromRow + Sync>,
    N: OutputType,
{
    let db = db(ctx)?;
    let rows = crate::db::page(db, select.clone(), sort, order, page).await?;
    Ok(rows.connection(crate::db::total(db, select), node))
}

/// One page of `parent`'s children along relation `R`, and its lazy total.
pub(crate) async fn children<R>(
    ctx: &Context<'_>,
    parent: i64,
    page: PageRequest,
) -> Result<(Page<<R::Entity as EntityTrait>::Model>, TotalCount)>
where
    R: Relation,
    <R::Entity as EntityTrait>::Model: Send + Sync + Clone,
{
    page.check_cursors_for(&R::sort())?;
    let tenant = viewer(ctx)?.tenant.clone();
    let loaders = loaders(ctx)?.clone();
    let rows = loaders
        .load_one(ChildPage::<R>::new(&tenant, parent, page))
        .await?
        .unwrap_or_else(Page::empty);
    Ok((rows, child_count::<R>(loaders, tenant, parent)))
}

/// One page of `parent`'s tag links along `R`, each with its tag (one statement for
/// the request's parents), and its lazy total.
pub(crate) async fn tag_links<R>(
    ctx: &Context<'_>,
    parent: i64,
    page: PageRequest,
) -> Result<(
    Page<(<R::Entity as EntityTrait>::Model, tag::Model)>,
    TotalCount,
)>
where
    R: TagLinkRelation,
    <R::Entity as EntityTrait>::Model: Send + Sync + Clone + entity::FromRow,
{
    page.check_cursors_for(&R::sort())?;
    let tenant = viewer(ctx)?.tenant.clone();
    let loaders = loaders(ctx)?.clone();
    let rows = loaders
        .load_one(TaggedPage::<R>::new(&tenant, parent, page))
        .await?
        .unwrap_or_else(Page::empty);
    Ok((rows, child_count::<R>(loaders, tenant, parent)))
}

/// How many children `parent` has along `R`, counted only if the client asks.
fn child_count<R: Relation>(loaders: Arc<Loaders>, tenant: Arc<str>, parent: i64) -> TotalCount {
    TotalCount::new(move || {
        let (loaders, key) = (loaders.clone(), ChildCount::<R>::new(&tenant, parent));
        async move { Ok(loaders.load_one(key).await?.unwrap_or(0)) }
    })
}
