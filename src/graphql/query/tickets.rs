//! Ticket lookups, the ticket list and the unread count.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::{TicketPriority, TicketStatus};
use entity::{ticket, ticket_tag};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, Order, QueryFilter, Select};

use super::OrderDirection;
use crate::auth::Scope;
use crate::db::scoped;
use crate::error::Error;
use crate::graphql::types::micros;
use crate::graphql::types::ticket::Ticket;
use crate::graphql::{list, require, row};
use crate::ids::{NodeKind, decode_as, filter_ids};
use crate::pagination::{Conn, PageRequest};
use crate::service::tickets::unread_count;

#[derive(Default)]
pub struct TicketQuery;

#[Object]
impl TicketQuery {
    /// A ticket by its global ID.
    async fn ticket(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Ticket ID.")] id: ID,
    ) -> Result<Option<Ticket>> {
        require(ctx, Scope::TicketRead)?;
        Ok(row::<ticket::Entity>(ctx, decode_as(&id, NodeKind::Ticket))
            .await?
            .map(Ticket))
    }

    /// A ticket by its per-tenant display number.
    async fn ticket_by_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The display number.")] number: i64,
    ) -> Result<Option<Ticket>> {
        let viewer = require(ctx, Scope::TicketRead)?;
        let select =
            scoped::<ticket::Entity>(&viewer.tenant).filter(ticket::Column::Number.eq(number));
        Ok(select
            .one(crate::graphql::db(ctx)?)
            .await
            .map_err(Error::from)?
            .map(Ticket))
    }

    /// A ticket by its id in the system of record it came from.
    async fn ticket_by_external_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The external id.")] external_id: String,
    ) -> Result<Option<Ticket>> {
        let viewer = require(ctx, Scope::TicketRead)?;
        let select = scoped::<ticket::Entity>(&viewer.tenant)
            .filter(ticket::Column::ExternalId.eq(external_id));
        Ok(select
            .one(crate::graphql::db(ctx)?)
            .await
            .map_err(Error::from)?
            .map(Ticket))
    }

    /// The tenant's tickets, filtered and sorted (default: newest first).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which tickets to include.")] filter: Option<TicketFilter>,
        #[graphql(desc = "Sort order (default CREATED_AT DESC).")] order_by: Option<TicketOrder>,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Ticket>> {
        let viewer = require(ctx, Scope::TicketRead)?;
        let page = PageRequest::new(first, after, last, before)?;
        let select = filter.unwrap_or_default().select(&viewer.tenant)?;
        let (sort, order) = order_by.unwrap_or_default().key();
        Ok(list(ctx, select, sort, order, &page, Ticket).await?)
    }

    /// How many of the tenant's tickets still waiting on the team (NEW, OPEN, PENDING
    /// or ON_HOLD) no agent has opened yet; SOLVED and CLOSED tickets do not count.
    async fn unread_ticket_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let viewer = require(ctx, Scope::TicketRead)?;
        Ok(unread_count(crate::graphql::db(ctx)?, &viewer.tenant).await?)
    }
}

/// Which tickets to list; all given criteria must match.
#[derive(InputObject, Default)]
pub struct TicketFilter {
    /// Only tickets of this conversation.
    pub conversation_id: Option<ID>,
    /// Only these statuses.
    pub statuses: Option<Vec<TicketStatus>>,
    /// Only these priorities.
    pub priorities: Option<Vec<TicketPriority>>,
    /// Only tickets labelled with at least one of these tags.
    pub tag_ids: Option<Vec<ID>>,
    /// Only tickets created at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only tickets created before this time.
    pub created_before: Option<DateTime<Utc>>,
}

impl TicketFilter {
    /// The tenant's tickets that match.
    pub fn select(&self, tenant: &str) -> Result<Select<ticket::Entity>, Error> {
        use ticket::Column as C;
        let mut cond = Condition::all();
        if let Some(id) = &self.conversation_id {
            let ids = filter_ids(
                std::slice::from_ref(id),
                NodeKind::Conversation,
                "conversationId",
            )?;
            cond = cond.add(C::ConversationId.is_in(ids));
        }
        if let Some(statuses) = &self.statuses {
            cond = cond.add(C::Status.is_in(statuses.iter().copied()));
        }
        if let Some(priorities) = &self.priorities {
            cond = cond.add(C::Priority.is_in(priorities.iter().copied()));
        }
        if let Some(ids) = &self.tag_ids {
            let tagged = Query::select()
                .column(ticket_tag::Column::TicketId)
                .from(ticket_tag::Entity)
                .and_where(ticket_tag::Column::TenantId.eq(tenant))
                .and_where(ticket_tag::Column::TagId.is_in(filter_ids(
                    ids,
                    NodeKind::Tag,
                    "tagIds",
                )?))
                .to_owned();
            cond = cond.add(C::Id.in_subquery(tagged));
        }
        if let Some(t) = self.created_after {
            cond = cond.add(C::CreatedAt.gte(micros(t)));
        }
        if let Some(t) = self.created_before {
            cond = cond.add(C::CreatedAt.lt(micros(t)));
        }
        Ok(scoped::<ticket::Entity>(tenant).filter(cond))
    }
}

/// The field tickets are sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum TicketOrderField {
    /// Creation time.
    #[default]
    CreatedAt,
    /// Time of the last change.
    UpdatedAt,
    /// Display number.
    Number,
}

/// How to sort tickets; the default is CREATED_AT DESC.
#[derive(InputObject, Default)]
pub struct TicketOrder {
    /// The sort field.
    #[graphql(default)]
    pub field: TicketOrderField,
    /// The sort direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl TicketOrder {
    /// The keyset (field, id) and the order.
    pub fn key(&self) -> ([ticket::Column; 2], Order) {
        let field = match self.field {
            TicketOrderField::CreatedAt => ticket::Column::CreatedAt,
            TicketOrderField::UpdatedAt => ticket::Column::UpdatedAt,
            TicketOrderField::Number => ticket::Column::Number,
        };
        ([field, ticket::Column::Id], self.direction.into())
    }
}
