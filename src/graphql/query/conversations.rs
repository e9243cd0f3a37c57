//! Conversation lookups and the conversation list.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::{Channel, ConversationState, VoiceSessionStatus};
use entity::{conversation, conversation_tag, voice_session};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, Order, QueryFilter, Select};

use super::OrderDirection;
use crate::auth::Scope;
use crate::db::{page_rows, scoped, total};
use crate::error::Error;
use crate::graphql::types::conversation::Conversation;
use crate::graphql::types::micros;
use crate::graphql::{db, loaders, require, row};
use crate::ids::{NodeKind, decode_as, filter_ids};
use crate::loader::ConversationJoins;
use crate::pagination::{Conn, PageRequest};

#[derive(Default)]
pub struct ConversationQuery;

#[Object]
impl ConversationQuery {
    /// A conversation by its global ID.
    async fn conversation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A Conversation ID.")] id: ID,
    ) -> Result<Option<Conversation>> {
        require(ctx, Scope::ConversationRead)?;
        Ok(
            row::<conversation::Entity>(ctx, decode_as(&id, NodeKind::Conversation))
                .await?
                .map(Conversation),
        )
    }

    /// A conversation by its per-tenant display number.
    async fn conversation_by_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The display number.")] number: i64,
    ) -> Result<Option<Conversation>> {
        let viewer = require(ctx, Scope::ConversationRead)?;
        let found = scoped::<conversation::Entity>(&viewer.tenant)
            .filter(conversation::Column::Number.eq(number))
            .one(crate::graphql::db(ctx)?)
            .await
            .map_err(Error::from)?;
        Ok(found.map(Conversation))
    }

    /// A conversation by its id in the system of record it came from.
    async fn conversation_by_external_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The external id.")] external_id: String,
    ) -> Result<Option<Conversation>> {
        let viewer = require(ctx, Scope::ConversationRead)?;
        let found = scoped::<conversation::Entity>(&viewer.tenant)
            .filter(conversation::Column::ExternalId.eq(external_id))
            .one(crate::graphql::db(ctx)?)
            .await
            .map_err(Error::from)?;
        Ok(found.map(Conversation))
    }

    /// The tenant's conversations, filtered and sorted (default: most recently updated first).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::limits::connection_cost(first, last, child_complexity)")]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which conversations to include.")] filter: Option<ConversationFilter>,
        #[graphql(desc = "Sort order (default UPDATED_AT DESC).")] order_by: Option<
            ConversationOrder,
        >,
        #[graphql(
            desc = "Return at most this many items from the start (default 20, at most 100)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many items from the end (at most 100).")]
        last: Option<i32>,
        #[graphql(desc = "End before this cursor.")] before: Option<String>,
    ) -> Result<Conn<Conversation>> {
        let viewer = require(ctx, Scope::ConversationRead)?;
        let page = PageRequest::new(first, after, last, before)?;
        let select = filter.unwrap_or_default().select(&viewer.tenant)?;
        let (sort, order) = order_by.unwrap_or_default().key();
        // The page's to-one relations come in its own statement (see loader::joined).
        let joins = ConversationJoins::asked(ctx);
        let db = db(ctx)?;
        let rows = page_rows(db, joins.select(select.clone()), sort, order, &page).await?;
        let mut joined = Vec::with_capacity(rows.rows.len());
        let rows = rows.map(|(conversation, row)| {
            joined.push(joins.decode(&row));
            conversation
        });
        let joined = joined
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(Error::from)?;
        joins.feed(loaders(ctx)?, &viewer.tenant, joined).await;
        Ok(rows.connection(total(db, select), Conversation))
    }
}

/// Which conversations to list; all given criteria must match.
#[derive(InputObject, Default)]
pub struct ConversationFilter {
    /// Only these states.
    pub states: Option<Vec<ConversationState>>,
    /// Only these channels.
    pub channels: Option<Vec<Channel>>,
    /// Only conversations assigned to one of these agents.
    pub assignee_ids: Option<Vec<ID>>,
    /// true: only unassigned conversations; false: only assigned ones.
    pub unassigned: Option<bool>,
    /// Only conversations in one of these queues.
    pub queue_ids: Option<Vec<ID>>,
    /// Only conversations labelled with at least one of these tags.
    pub tag_ids: Option<Vec<ID>>,
    /// Only conversations of this contact.
    pub requester_id: Option<ID>,
    /// Only conversations created at or after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only conversations created before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Only conversations changed at or after this time.
    pub updated_after: Option<DateTime<Utc>>,
    /// Only voice conversations whose session has one of these statuses.
    pub voice_statuses: Option<Vec<VoiceSessionStatus>>,
    /// true: only snoozed conversations; false: only those not snoozed.
    pub snoozed: Option<bool>,
}

/// The field conversations are sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ConversationOrderField {
    /// Creation time.
    CreatedAt,
    /// Time of the last change.
    #[default]
    UpdatedAt,
    /// Display number.
    Number,
}

/// How to sort conversations; the default is UPDATED_AT DESC.
#[derive(InputObject, Default)]
pub struct ConversationOrder {
    /// The sort field.
    #[graphql(default)]
    pub field: ConversationOrderField,
    /// The sort direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl ConversationOrder {
    /// The keyset (field, id) and the order.
    pub fn key(&self) -> ([conversation::Column; 2], Order) {
        let field = match self.field {
            ConversationOrderField::CreatedAt => conversation::Column::CreatedAt,
            ConversationOrderField::UpdatedAt => conversation::Column::UpdatedAt,
            ConversationOrderField::Number => conversation::Column::Number,
        };
        ([field, conversation::Column::Id], self.direction.into())
    }
}

impl ConversationFilter {
    /// The tenant's conversations that match.
    pub fn select(&self, tenant: &str) -> Result<Select<conversation::Entity>, Error> {
        use conversation::Column as C;
        let mut cond = Condition::all();
        if let Some(states) = &self.states {
            cond = cond.add(C::State.is_in(states.iter().copied()));
        }
        if let Some(channels) = &self.channels {
            cond = cond.add(C::Channel.is_in(channels.iter().copied()));
        }
        if let Some(ids) = &self.assignee_ids {
            cond = cond.add(C::AssigneeId.is_in(filter_ids(ids, NodeKind::Agent, "assigneeIds")?));
        }
        match self.unassigned {
            Some(true) => cond = cond.add(C::AssigneeId.is_null()),
            Some(false) => cond = cond.add(C::AssigneeId.is_not_null()),
            None => {}
        }
        if let Some(ids) = &self.queue_ids {
            cond = cond.add(C::QueueId.is_in(filter_ids(ids, NodeKind::Queue, "queueIds")?));
        }
        if let Some(id) = &self.requester_id {
            let ids = filter_ids(std::slice::from_ref(id), NodeKind::Contact, "requesterId")?;
            cond = cond.add(C::RequesterId.is_in(ids));
        }
        if let Some(ids) = &self.tag_ids {
            let tag_ids = filter_ids(ids, NodeKind::Tag, "tagIds")?;
            let tagged = Query::select()
                .column(conversation_tag::Column::ConversationId)
                .from(conversation_tag::Entity)
                .and_where(conversation_tag::Column::TenantId.eq(tenant))
                .and_where(conversation_tag::Column::TagId.is_in(tag_ids))
                .to_owned();
            cond = cond.add(C::Id.in_subquery(tagged));
        }
        if let Some(t) = self.created_after {
            cond = cond.add(C::CreatedAt.gte(micros(t)));
        }
        if let Some(t) = self.created_before {
            cond = cond.add(C::CreatedAt.lt(micros(t)));
        }
        if let Some(t) = self.updated_after {
            cond = cond.add(C::UpdatedAt.gte(micros(t)));
        }
        if let Some(statuses) = &self.voice_statuses {
            let voiced = Query::select()
                .column(voice_session::Column::ConversationId)
                .from(voice_session::Entity)
                .and_where(voice_session::Column::TenantId.eq(tenant))
                .and_where(voice_session::Column::Status.is_in(statuses.iter().copied()))
                .to_owned();
            cond = cond.add(C::Id.in_subquery(voiced));
        }
        match self.snoozed {
            Some(true) => cond = cond.add(C::SnoozedUntil.is_not_null()),
            Some(false) => cond = cond.add(C::SnoozedUntil.is_null()),
            None => {}
        }
        Ok(scoped::<conversation::Entity>(tenant).filter(cond))
    }
}
