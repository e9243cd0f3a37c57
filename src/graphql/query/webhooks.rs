//! The tenant's webhook endpoints.

use async_graphql::{Context, Object, Result};
use entity::webhook_endpoint;
use sea_orm::QueryOrder;

use crate::auth::Scope;
use crate::db::{all, scoped};
use crate::graphql::types::webhook_endpoint::WebhookEndpoint;
use crate::graphql::{db, require};

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The tenant's webhook endpoints, oldest first (at most 20). Needs `admin`.
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpoint>> {
        let viewer = require(ctx, Scope::Admin)?;
        let select = scoped::<webhook_endpoint::Entity>(&viewer.tenant)
            .order_by_asc(webhook_endpoint::Column::Id);
        let found = all(db(ctx)?, select).await?;
        Ok(found.into_iter().map(WebhookEndpoint).collect())
    }
}
