//! The tenant's reference data: agents, queues, contacts, custom attribute definitions
//! and flows.

use async_graphql::{Context, Object, Result};
use entity::enums::Channel;
use entity::{agent, contact, custom_attribute_definition as definition, flow, queue};
use sea_orm::Order;
use sea_orm::{ColumnTrait, QueryFilter};

use crate::db::scoped;
use crate::graphql::types::agent::Agent;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::custom_attribute::CustomAttributeDefinition;
use crate::graphql::types::flow::Flow;
use crate::graphql::types::queue::Queue;
use crate::graphql::{list, require_reader};
use crate::pagination::{Conn, PageRequest};

/// The order of `customAttributeDefinitions`: oldest first.
pub const DEFINITION_SORT: [definition::Column; 2] =
    [definition::Column::CreatedAt, definition::Column::Id];
/// The order of `flows`: by name.
pub const FLOW_SORT: [flow::Column; 2] = [flow::Column::Name, flow::Column::Id];

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// The tenant's agents, by name.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn agents(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Agent>> {
        let viewer = require_reader(ctx)?;
        let page = PageRequest::new(first, after, last, before)?;
        let select = scoped::<agent::Entity>(&viewer.tenant);
        Ok(list(
            ctx,
            select,
            [agent::Column::Name, agent::Column::Id],
            Order::Asc,
            &page,
            Agent,
        )
        .await?)
    }

    /// The tenant's queues, by name.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn queues(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Queue>> {
        let viewer = require_reader(ctx)?;
        let page = PageRequest::new(first, after, last, before)?;
        let select = scoped::<queue::Entity>(&viewer.tenant);
        Ok(list(
            ctx,
            select,
            [queue::Column::Name, queue::Column::Id],
            Order::Asc,
            &page,
            Queue,
        )
        .await?)
    }

    /// The tenant's contacts, oldest first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Contact>> {
        let viewer = require_reader(ctx)?;
        let page = PageRequest::new(first, after, last, before)?;
        let select = scoped::<contact::Entity>(&viewer.tenant);
        let sort = [contact::Column::CreatedAt, contact::Column::Id];
        Ok(list(ctx, select, sort, Order::Asc, &page, Contact).await?)
    }

    /// The custom attributes defined for the tenant's conversations, oldest first.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn custom_attribute_definitions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<CustomAttributeDefinition>> {
        let viewer = require_reader(ctx)?;
        let page = PageRequest::new(first, after, last, before)?;
        let select = scoped::<definition::Entity>(&viewer.tenant);
        Ok(list(
            ctx,
            select,
            DEFINITION_SORT,
            Order::Asc,
            &page,
            CustomAttributeDefinition,
        )
        .await?)
    }

    /// The tenant's flows, by name: all of them, or those of one channel.
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn flows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the flows of this channel.")] channel: Option<Channel>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Flow>> {
        let viewer = require_reader(ctx)?;
        let page = PageRequest::new(first, after, last, before)?;
        let mut select = scoped::<flow::Entity>(&viewer.tenant);
        if let Some(channel) = channel {
            select = select.filter(flow::Column::Channel.eq(channel));
        }
        Ok(list(ctx, select, FLOW_SORT, Order::Asc, &page, Flow).await?)
    }
}
