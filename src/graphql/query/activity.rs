//! The tenant-wide audit log.

use async_graphql::{Context, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::activity;
use entity::enums::ActivityType;
use sea_orm::{ColumnTrait, Order, QueryFilter};

use crate::auth::Scope;
use crate::db::scoped;
use crate::graphql::types::activity::Activity;
use crate::graphql::types::micros;
use crate::graphql::{list, require};
use crate::pagination::{Conn, PageRequest};

#[derive(Default)]
pub struct ActivityQuery;

/// Which audit log entries to list; all given criteria must match.
#[derive(InputObject, Default)]
pub struct ActivityFilter {
    /// Only entries at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only entries of these types.
    pub types: Option<Vec<ActivityType>>,
}

#[Object]
impl ActivityQuery {
    /// Everything that happened in the tenant, newest first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn activity_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries to include.")] filter: Option<ActivityFilter>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Activity>> {
        let viewer = require(ctx, Scope::ConversationRead)?;
        let page = PageRequest::new(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let mut select = scoped::<activity::Entity>(&viewer.tenant);
        if let Some(from) = filter.from {
            select = select.filter(activity::Column::OccurredAt.gte(micros(from)));
        }
        if let Some(to) = filter.to {
            select = select.filter(activity::Column::OccurredAt.lt(micros(to)));
        }
        if let Some(types) = filter.types {
            select = select.filter(activity::Column::Kind.is_in(types));
        }
        let sort = [activity::Column::OccurredAt, activity::Column::Id];
        Ok(list(ctx, select, sort, Order::Desc, &page, Activity).await?)
    }
}
