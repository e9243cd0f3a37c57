//! `viewer`, `node` and `nodes`.

use async_graphql::{Context, ID, Object, Result};
use futures_util::future::try_join_all;

use crate::error::Error;
use crate::graphql::types::node::{Node, load};
use crate::graphql::types::viewer::Viewer;
use crate::graphql::viewer;
use crate::pagination::MAX_PAGE_SIZE;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The authenticated agent, its tenant and scopes.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        Ok(Viewer(viewer(ctx)?.clone()))
    }

    /// Any object by its global ID; null when it does not exist for the viewer.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID.")] id: ID,
    ) -> Result<Option<Node>> {
        Ok(load(ctx, &id).await?)
    }

    /// Objects by their global IDs, in the same order; null where one does not exist.
    #[graphql(complexity = "1 + ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global IDs (at most 100).")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() as u64 > MAX_PAGE_SIZE {
            return Err(
                Error::bad_input(format!("`ids` may hold at most {MAX_PAGE_SIZE} IDs")).into(),
            );
        }
        Ok(try_join_all(ids.iter().map(|id| load(ctx, id))).await?)
    }
}
