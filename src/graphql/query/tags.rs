//! Tag lookups and the tag list.

use async_graphql::{Context, ID, InputObject, Object, Result};
use entity::enums::TagState;
use entity::tag;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Order, QueryFilter};

use crate::db::scoped;
use crate::error::Error;
use crate::graphql::types::tag::Tag;
use crate::graphql::{list, require_reader, row};
use crate::ids::{NodeKind, decode_as};
use crate::pagination::{Conn, PageRequest};

/// The order of the `tags` list: by name ignoring case, then id.
pub const TAG_SORT: [tag::Column; 2] = [tag::Column::NameKey, tag::Column::Id];
#[derive(Default)]
pub struct TagQuery;

/// Which tags to list; all given criteria must match.
#[derive(InputObject, Default)]
pub struct TagFilter {
    /// Only tags marked relevant (true) or not (false).
    pub relevant: Option<bool>,
    /// Only tags in this state.
    pub state: Option<TagState>,
    /// Only tags whose name contains this text, ignoring case.
    pub name_contains: Option<String>,
}

/// A LIKE pattern matching `text` anywhere, with `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

#[Object]
impl TagQuery {
    /// A tag by its global ID.
    async fn tag(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Tag ID.")] id: ID,
    ) -> Result<Option<Tag>> {
        require_reader(ctx)?;
        Ok(row::<tag::Entity>(ctx, decode_as(&id, NodeKind::Tag))
            .await?
            .map(Tag))
    }

    /// A tag by its name, ignoring case.
    async fn tag_by_name(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tag's name.")] name: String,
    ) -> Result<Option<Tag>> {
        let viewer = require_reader(ctx)?;
        let select = scoped::<tag::Entity>(&viewer.tenant)
            .filter(tag::Column::NameKey.eq(name.trim().to_lowercase()));
        Ok(select
            .one(crate::graphql::db(ctx)?)
            .await
            .map_err(Error::from)?
            .map(Tag))
    }

    /// The tenant's tags, by name.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which tags to include.")] filter: Option<TagFilter>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Tag>> {
        let viewer = require_reader(ctx)?;
        let page = PageRequest::new(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let mut select = scoped::<tag::Entity>(&viewer.tenant);
        if let Some(relevant) = filter.relevant {
            select = select.filter(tag::Column::Relevant.eq(relevant));
        }
        if let Some(state) = filter.state {
            select = select.filter(tag::Column::State.eq(state));
        }
        if let Some(text) = filter.name_contains.filter(|t| !t.is_empty()) {
            if text.len() > 200 {
                return Err(Error::bad_input("`nameContains` may be at most 200 bytes").into());
            }
            select = select.filter(Expr::col(tag::Column::NameKey).like(contains_pattern(&text)));
        }
        Ok(list(ctx, select, TAG_SORT, Order::Asc, &page, Tag).await?)
    }
}
