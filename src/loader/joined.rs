//! To-one rows read in the statement of the page that refers to them (LEFT JOINs),
//! then fed to the request's loader, so that their fields cost no statement of their
//! own: the inbox's assignee, queue, requester and last message come with its page.

use std::sync::Arc;

use async_graphql::Context;
use entity::{FromRow, agent, contact, conversation, message, queue};
use sea_orm::sea_query::{Alias, Expr, JoinType};
use sea_orm::{
    DbErr, EntityTrait, IdenStatic, Iterable, QueryResult, QuerySelect, RelationDef, RelationTrait,
    Select,
};

use super::{HasId, Loaders, RowById};

/// Which to-one relations of listed conversations a selection asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConversationJoins {
    assignee: bool,
    queue: bool,
    requester: bool,
    last_message: bool,
}

/// The rows joined to one conversation.
#[derive(Default)]
pub struct Joined {
    assignee: Option<agent::Model>,
    queue: Option<queue::Model>,
    requester: Option<contact::Model>,
    last_message: Option<message::Model>,
}

impl ConversationJoins {
    /// What the selection of a conversations connection asks of each conversation, on
    /// `nodes` or `edges.node`.
    pub fn asked(ctx: &Context<'_>) -> Self {
        let look = ctx.look_ahead();
        let (nodes, edges) = (look.field("nodes"), look.field("edges").field("node"));
        let asks = |field: &str| nodes.field(field).exists() || edges.field(field).exists();
        ConversationJoins {
            assignee: asks("assignee"),
            queue: asks("queue"),
            requester: asks("requester"),
            last_message: asks("lastMessage"),
        }
    }

    /// `select` with a LEFT JOIN and the columns of each relation asked for, after the
    /// conversation's own columns, in the order `decode` reads them.
    pub fn select(&self, mut select: Select<conversation::Entity>) -> Select<conversation::Entity> {
        use conversation::Relation;
        if self.assignee {
            select = join::<agent::Entity>(select, "ja", Relation::Assignee.def());
        }
        if self.queue {
            select = join::<queue::Entity>(select, "jq", Relation::Queue.def());
        }
        if self.requester {
            select = join::<contact::Entity>(select, "jr", Relation::Requester.def());
        }
        if self.last_message {
            let last = conversation::Entity::belongs_to(message::Entity)
                .from(conversation::Column::LastMessageId)
                .to(message::Column::Id)
                .into();
            select = join::<message::Entity>(select, "jm", last);
        }
        select
    }

    /// The joined rows of one row of `select`'s page.
    pub fn decode(&self, row: &QueryResult) -> Result<Joined, DbErr> {
        let mut offset = <conversation::Model as FromRow>::COLUMNS;
        let mut next = |asked: bool, columns: usize| {
            let at = offset;
            if asked {
                offset += columns;
            }
            asked.then_some(at)
        };
        let assignee = next(self.assignee, agent::Model::COLUMNS);
        let queue = next(self.queue, queue::Model::COLUMNS);
        let requester = next(self.requester, contact::Model::COLUMNS);
        let last_message = next(self.last_message, message::Model::COLUMNS);
        Ok(Joined {
            assignee: joined_at(row, assignee)?,
            queue: joined_at(row, queue)?,
            requester: joined_at(row, requester)?,
            last_message: joined_at(row, last_message)?,
        })
    }

    /// Hands the joined rows of `tenant` to the loader, as if it had loaded them.
    pub async fn feed(&self, loaders: &Loaders, tenant: &Arc<str>, joined: Vec<Joined>) {
        let (mut agents, mut queues, mut contacts, mut messages) = (vec![], vec![], vec![], vec![]);
        for j in joined {
            agents.extend(j.assignee);
            queues.extend(j.queue);
            contacts.extend(j.requester);
            messages.extend(j.last_message);
        }
        feed::<agent::Entity>(loaders, tenant, agents, |a| (&a.tenant_id, a.id)).await;
        feed::<queue::Entity>(loaders, tenant, queues, |q| (&q.tenant_id, q.id)).await;
        feed::<contact::Entity>(loaders, tenant, contacts, |c| (&c.tenant_id, c.id)).await;
        feed::<message::Entity>(loaders, tenant, messages, |m| (&m.tenant_id, m.id)).await;
    }
}

fn joined_at<M: FromRow>(row: &QueryResult, offset: Option<usize>) -> Result<Option<M>, DbErr> {
    match offset {
        Some(offset) => M::from_joined_at(row, offset),
        None => Ok(None),
    }
}

/// `select` LEFT JOIN `E` AS `alias` along `relation`, with every column of `E`.
fn join<E: EntityTrait>(
    select: Select<conversation::Entity>,
    alias: &'static str,
    relation: RelationDef,
) -> Select<conversation::Entity> {
    let mut select = select.join_as(JoinType::LeftJoin, relation, Alias::new(alias));
    for column in E::Column::iter() {
        let name = format!("{alias}_{}", column.as_str());
        select = select.column_as(Expr::col((Alias::new(alias), column)), name);
    }
    select
}

/// Feeds rows of table `E` to the loader under their tenant; a row of another tenant
/// (none is: every reference stays in its tenant) is left out.
async fn feed<E>(
    loaders: &Loaders,
    tenant: &Arc<str>,
    rows: Vec<E::Model>,
    key: fn(&E::Model) -> (&str, i64),
) where
    E: HasId + Send + Sync + 'static,
    E::Model: Send + Sync + Clone,
{
    if rows.is_empty() {
        return;
    }
    let rows = rows
        .into_iter()
        .filter(|row| key(row).0 == &**tenant)
        .map(|row| (RowById::<E>::new(tenant, key(&row).1), row));
    loaders.feed_many(rows).await;
}
