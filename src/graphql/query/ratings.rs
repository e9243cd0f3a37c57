//! Satisfaction ratings across the tenant: one by ID, and the filtered list a CSAT
//! report reads.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::{RatingStatus, RatingType};
use entity::rating;
use sea_orm::{ColumnTrait, Order, QueryFilter, Select};

use crate::auth::Scope;
use crate::db::scoped;
use crate::error::Error;
use crate::graphql::types::micros;
use crate::graphql::types::rating::Rating;
use crate::graphql::{list, require, row};
use crate::ids::{NodeKind, decode_as, filter_ids};
use crate::pagination::{Conn, PageRequest};

#[derive(Default)]
pub struct RatingQuery;

/// Which ratings to list; all given criteria must match.
#[derive(InputObject, Default)]
pub struct RatingFilter {
    /// Only ratings with a score at least this.
    pub min_score: Option<i32>,
    /// Only ratings with a score at most this.
    pub max_score: Option<i32>,
    /// Only these statuses (OFFERED, SUBMITTED).
    pub statuses: Option<Vec<RatingStatus>>,
    /// Only these kinds of rating.
    pub rating_types: Option<Vec<RatingType>>,
    /// Only ratings of these agents (the agent each rating is about).
    pub agent_ids: Option<Vec<ID>>,
    /// Only ratings offered at or after this time.
    pub offered_from: Option<DateTime<Utc>>,
    /// Only ratings offered before this time.
    pub offered_to: Option<DateTime<Utc>>,
}

impl RatingFilter {
    fn select(self, tenant: &str) -> Result<Select<rating::Entity>, Error> {
        let mut select = scoped::<rating::Entity>(tenant);
        if let (Some(min), Some(max)) = (self.min_score, self.max_score)
            && min > max
        {
            return Err(Error::bad_input("`minScore` must not be above `maxScore`"));
        }
        if let Some(min) = self.min_score {
            select = select.filter(rating::Column::Score.gte(min));
        }
        if let Some(max) = self.max_score {
            select = select.filter(rating::Column::Score.lte(max));
        }
        if let Some(statuses) = self.statuses {
            select = select.filter(rating::Column::Status.is_in(statuses));
        }
        if let Some(types) = self.rating_types {
            select = select.filter(rating::Column::RatingType.is_in(types));
        }
        if let Some(agents) = self.agent_ids {
            let ids = filter_ids(&agents, NodeKind::Agent, "agentIds")?;
            select = select.filter(rating::Column::AgentId.is_in(ids));
        }
        if let Some(from) = self.offered_from {
            select = select.filter(rating::Column::OfferedAt.gte(micros(from)));
        }
        if let Some(to) = self.offered_to {
            select = select.filter(rating::Column::OfferedAt.lt(micros(to)));
        }
        Ok(select)
    }
}

#[Object]
impl RatingQuery {
    /// A satisfaction rating by its global ID.
    async fn rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Rating ID.")] id: ID,
    ) -> Result<Option<Rating>> {
        require(ctx, Scope::ConversationRead)?;
        Ok(row::<rating::Entity>(ctx, decode_as(&id, NodeKind::Rating))
            .await?
            .map(Rating))
    }

    /// The tenant's satisfaction ratings, most recently offered first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn ratings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which ratings to include.")] filter: Option<RatingFilter>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Rating>> {
        let viewer = require(ctx, Scope::ConversationRead)?;
        let page = PageRequest::new(first, after, last, before)?;
        let select = filter.unwrap_or_default().select(&viewer.tenant)?;
        let sort = [rating::Column::OfferedAt, rating::Column::Id];
        Ok(list(ctx, select, sort, Order::Desc, &page, Rating).await?)
    }
}
