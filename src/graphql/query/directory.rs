//! The tenant's reference data: agents, queues, contacts and custom attribute definitions.

use async_graphql::{Context, Object, Result};
use entity::{agent, contact, custom_attribute_definition as definition, queue};
use sea_orm::Order;

use crate::db::{self, scoped};
use crate::graphql::require_reader;
use crate::graphql::types::agent::Agent;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::custom_attribute::CustomAttributeDefinition;
use crate::graphql::types::queue::Queue;
use crate::pagination::{Conn, PageRequest};

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// The tenant's agents, by name.
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
        let (db, select) = (
            crate::graphql::db(ctx)?,
            scoped::<agent::Entity>(&viewer.tenant),
        );
        let rows = db::page(
            db,
            select.clone(),
            [agent::Column::Name, agent::Column::Id],
            Order::Asc,
            &page,
        )
        .await?;
        Ok(rows.connection(db::total(db, select), Agent))
    }

    /// The tenant's queues, by name.
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
        let (db, select) = (
            crate::graphql::db(ctx)?,
            scoped::<queue::Entity>(&viewer.tenant),
        );
        let rows = db::page(
            db,
            select.clone(),
            [queue::Column::Name, queue::Column::Id],
            Order::Asc,
            &page,
        )
        .await?;
        Ok(rows.connection(db::total(db, select), Queue))
    }

    /// The tenant's contacts, oldest first.
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
        let (db, select) = (
            crate::graphql::db(ctx)?,
            scoped::<contact::Entity>(&viewer.tenant),
        );
        let sort = [contact::Column::CreatedAt, contact::Column::Id];
        let rows = db::page(db, select.clone(), sort, Order::Asc, &page).await?;
        Ok(rows.connection(db::total(db, select), Contact))
    }

    /// The custom attributes defined for the tenant's conversations, oldest first.
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
        let (db, select) = (
            crate::graphql::db(ctx)?,
            scoped::<definition::Entity>(&viewer.tenant),
        );
        let sort = [definition::Column::CreatedAt, definition::Column::Id];
        let rows = db::page(db, select.clone(), sort, Order::Asc, &page).await?;
        Ok(rows.connection(db::total(db, select), CustomAttributeDefinition))
    }
}
