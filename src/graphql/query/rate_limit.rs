//! `rateLimit`: the viewer's tenant's budget, which asking for costs nothing.

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::graphql::viewer;
use crate::ratelimit::{Charge, Limiter};

#[derive(Default)]
pub struct RateLimitQuery;

/// A tenant's rate-limit budget. Each request costs its complexity (each field 1,
/// a connection's fields once per item it may return); the budget refills
/// continuously over a minute.
#[derive(SimpleObject)]
pub struct RateLimit {
    /// Points per minute, which is also the most the budget holds.
    limit: i32,
    /// Points this request spent.
    cost: i32,
    /// Points left to spend now.
    remaining: i32,
    /// Points spent and not yet refilled.
    used: i32,
    /// When the budget will be full again.
    reset_at: DateTime<Utc>,
}

#[Object]
impl RateLimitQuery {
    /// The viewer's tenant's rate-limit budget, after this request; null when the
    /// server does not limit. Asking for it costs nothing.
    #[graphql(complexity = 0)]
    async fn rate_limit(&self, ctx: &Context<'_>) -> Result<Option<RateLimit>> {
        let tenant = &viewer(ctx)?.tenant;
        let Some(limiter) = ctx.data_opt::<Limiter>() else {
            return Ok(None);
        };
        let Some(budget) = limiter.budget(tenant).await else {
            return Ok(None);
        };
        let cost = ctx.data_opt::<Arc<Charge>>().map_or(0, |c| c.cost());
        let int = |n: u64| i32::try_from(n).unwrap_or(i32::MAX);
        let reset = chrono::Duration::from_std(budget.reset).unwrap_or_default();
        Ok(Some(RateLimit {
            limit: int(budget.limit.into()),
            cost: int(cost),
            remaining: int(budget.remaining.into()),
            used: int((budget.limit - budget.remaining).into()),
            reset_at: Utc::now() + reset,
        }))
    }
}
