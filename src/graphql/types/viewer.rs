//! `Viewer`: who the token says is asking.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::{agent, tenant};
use sea_orm::EntityTrait;

use super::agent::Agent;
use crate::auth;
use crate::graphql::{db, row};

pub struct Viewer(pub auth::Viewer);

/// An organization using Parley; every object belongs to exactly one.
#[derive(SimpleObject)]
pub struct Tenant {
    /// The tenant's id (as in tokens' `tenant` claim).
    id: ID,
    /// Display name.
    name: String,
}

/// The authenticated agent, its tenant and what its token allows.
#[Object]
impl Viewer {
    /// The agent the token was issued to (null if that agent no longer exists).
    async fn agent(&self, ctx: &Context<'_>) -> Result<Option<Agent>> {
        Ok(row::<agent::Entity>(ctx, Some(self.0.agent_id))
            .await?
            .map(Agent))
    }

    /// The tenant the agent works in.
    async fn tenant(&self, ctx: &Context<'_>) -> Result<Tenant> {
        let name = tenant::Entity::find_by_id(self.0.tenant.to_string())
            .one(db(ctx)?)
            .await
            .map_err(crate::error::Error::from)?
            .map_or_else(|| self.0.tenant.to_string(), |t| t.name);
        Ok(Tenant {
            id: ID(self.0.tenant.to_string()),
            name,
        })
    }

    /// The scopes the token grants, e.g. `conversation:read`.
    async fn scopes(&self) -> Vec<&'static str> {
        self.0.scopes.names()
    }
}
