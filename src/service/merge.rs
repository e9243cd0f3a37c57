//! `mergeConversations`: one customer's two threads become one. The source's
//! messages, notes, tickets and tags move to the target, with the custom attribute
//! values the target lacks; the source closes, pointing at the target
//! (`mergedInto`), and keeps its own history (activity, ratings). Both rows are
//! locked in id order, so concurrent merges of the same pair, in either direction,
//! cannot deadlock and only the first one merges.

use std::collections::HashSet;

use entity::enums::{ActivityType, ConversationState};
use entity::{
    conversation, conversation_attribute_value as value, conversation_tag, message, note, ticket,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::conversations::count_link;
use super::idempotency::{self, Key};
use super::messages::user_sentiments;
use super::rules::{find_conversation, lock_conversation};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Result, UserError, UserErrorCode};
use crate::text::sentiment_trend;

/// What `merge` is asked to do.
#[derive(Debug, Serialize)]
pub struct Merge {
    pub source_id: i64,
    pub target_id: i64,
}

#[derive(Serialize, Deserialize)]
struct Merged {
    source: i64,
    target: i64,
}

fn refuse(code: UserErrorCode, field: &str, message: &str) -> crate::error::Error {
    UserError::new(code, &[field], message).into()
}

/// Merges `source` into `target` (idempotently when the client sends a key) and
/// returns both as they are now: (source, target).
pub async fn merge(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Merge,
    idempotency_key: Option<&str>,
) -> Result<(conversation::Model, conversation::Model)> {
    let key = Key::new(idempotency_key, "mergeConversations", &input)?;
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    if let Some(key) = &key
        && let Some(Merged { source, target }) = idempotency::reserve(&tx, viewer, key).await?
    {
        let source = find_conversation(&tx, tenant, source).await?;
        return Ok((source, find_conversation(&tx, tenant, target).await?));
    }
    if input.source_id == input.target_id {
        return Err(refuse(
            UserErrorCode::InvalidValue,
            "targetId",
            "a conversation cannot be merged into itself",
        ));
    }
    let low =
        lock_conversation(&tx, tenant, std::cmp::min(input.source_id, input.target_id)).await?;
    let high =
        lock_conversation(&tx, tenant, std::cmp::max(input.source_id, input.target_id)).await?;
    let (source, target) = if low.id == input.source_id {
        (low, high)
    } else {
        (high, low)
    };
    check(&source, &target)?;

    let at = now();
    move_children(&tx, tenant, source.id, target.id).await?;
    move_tags(&tx, tenant, source.id, target.id).await?;
    move_attribute_values(&tx, tenant, source.id, target.id).await?;
    settle_target(&tx, tenant, target.id, at).await?;
    let closed_at = source.closed_at.unwrap_or(at);
    conversation::Entity::update_many()
        .set(conversation::ActiveModel {
            state: Set(ConversationState::Closed),
            closed_at: Set(Some(closed_at)),
            state_updated_at: Set(if source.state == ConversationState::Closed {
                source.state_updated_at
            } else {
                at
            }),
            merged_into_id: Set(Some(target.id)),
            last_message_id: Set(None),
            sentiment_trend: Set(None),
            snoozed_until: Set(None),
            updated_at: Set(at),
            version: Set(source.version + 1),
            ..Default::default()
        })
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(source.id))
        .exec(&tx)
        .await?;
    for (on, other) in [(source.id, target.id), (target.id, source.id)] {
        let detail = Detail {
            other_conversation_id: Some(other),
            ..Detail::default()
        };
        activity::record(&tx, viewer, Some(on), ActivityType::Merged, detail).await?;
    }
    if let Some(key) = &key {
        let merged = Merged {
            source: source.id,
            target: target.id,
        };
        idempotency::remember(&tx, viewer, key, &merged).await?;
    }
    let source = find_conversation(&tx, tenant, source.id).await?;
    let target = find_conversation(&tx, tenant, target.id).await?;
    tx.commit().await?;
    Ok((source, target))
}

/// The rules of a merge: a source not merged before, an OPEN or PENDING target that
/// is not itself merged, neither anonymized.
fn check(source: &conversation::Model, target: &conversation::Model) -> Result<()> {
    if source.merged_into_id.is_some() {
        return Err(refuse(
            UserErrorCode::InvalidState,
            "sourceId",
            "the conversation was merged already",
        ));
    }
    if target.merged_into_id.is_some() {
        return Err(refuse(
            UserErrorCode::InvalidState,
            "targetId",
            "the target was merged into another conversation; merge into that one",
        ));
    }
    for (conv, field) in [(source, "sourceId"), (target, "targetId")] {
        if conv.anonymized_at.is_some() {
            return Err(refuse(
                UserErrorCode::InvalidState,
                field,
                "an anonymized conversation is not merged",
            ));
        }
    }
    if target.state == ConversationState::Closed {
        return Err(refuse(
            UserErrorCode::ConversationClosed,
            "targetId",
            "the target is closed; reopen it first",
        ));
    }
    Ok(())
}

/// Messages, notes and tickets of the source now belong to the target.
async fn move_children(tx: &DatabaseTransaction, tenant: &str, from: i64, to: i64) -> Result<()> {
    message::Entity::update_many()
        .col_expr(message::Column::ConversationId, Expr::value(to))
        .filter(message::Column::TenantId.eq(tenant))
        .filter(message::Column::ConversationId.eq(from))
        .exec(tx)
        .await?;
    note::Entity::update_many()
        .col_expr(note::Column::ConversationId, Expr::value(to))
        .filter(note::Column::TenantId.eq(tenant))
        .filter(note::Column::ConversationId.eq(from))
        .exec(tx)
        .await?;
    ticket::Entity::update_many()
        .col_expr(ticket::Column::ConversationId, Expr::value(to))
        .filter(ticket::Column::TenantId.eq(tenant))
        .filter(ticket::Column::ConversationId.eq(from))
        .exec(tx)
        .await?;
    Ok(())
}

/// The source's tags move to the target; a tag both carry stays once, so its
/// `conversationsCount` drops by one.
async fn move_tags(tx: &DatabaseTransaction, tenant: &str, from: i64, to: i64) -> Result<()> {
    let tags_of = |conversation: i64| {
        scoped::<conversation_tag::Entity>(tenant)
            .filter(conversation_tag::Column::ConversationId.eq(conversation))
    };
    let on_target: HashSet<i64> = tags_of(to)
        .all(tx)
        .await?
        .iter()
        .map(|l| l.tag_id)
        .collect();
    for link in tags_of(from).all(tx).await? {
        if on_target.contains(&link.tag_id) {
            conversation_tag::Entity::delete_many()
                .filter(conversation_tag::Column::TenantId.eq(tenant))
                .filter(conversation_tag::Column::ConversationId.eq(from))
                .filter(conversation_tag::Column::TagId.eq(link.tag_id))
                .exec(tx)
                .await?;
            count_link(tx, link.tag_id, -1).await?;
        } else {
            conversation_tag::Entity::update_many()
                .col_expr(conversation_tag::Column::ConversationId, Expr::value(to))
                .filter(conversation_tag::Column::TenantId.eq(tenant))
                .filter(conversation_tag::Column::ConversationId.eq(from))
                .filter(conversation_tag::Column::TagId.eq(link.tag_id))
                .exec(tx)
                .await?;
        }
    }
    Ok(())
}

/// Custom attribute values the target has no value for move from the source.
async fn move_attribute_values(
    tx: &DatabaseTransaction,
    tenant: &str,
    from: i64,
    to: i64,
) -> Result<()> {
    let on_target = Query::select()
        .column(value::Column::DefinitionId)
        .from(value::Entity)
        .and_where(Expr::col(value::Column::ConversationId).eq(to))
        .to_owned();
    value::Entity::update_many()
        .col_expr(value::Column::ConversationId, Expr::value(to))
        .filter(
            Condition::all()
                .add(value::Column::TenantId.eq(tenant))
                .add(value::Column::ConversationId.eq(from))
                .add(value::Column::DefinitionId.not_in_subquery(on_target)),
        )
        .exec(tx)
        .await?;
    Ok(())
}

/// The target's derived fields from its messages as they are now: the newest
/// message and the sentiment trend of the customer's messages.
async fn settle_target(tx: &DatabaseTransaction, tenant: &str, id: i64, at: i64) -> Result<()> {
    let last: Option<i64> = scoped::<message::Entity>(tenant)
        .filter(message::Column::ConversationId.eq(id))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .select_only()
        .column(message::Column::Id)
        .into_tuple()
        .one(tx)
        .await?;
    let trend = sentiment_trend(&user_sentiments(tx, tenant, id).await?);
    conversation::Entity::update_many()
        .col_expr(conversation::Column::LastMessageId, Expr::value(last))
        .col_expr(conversation::Column::SentimentTrend, Expr::value(trend))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(())
}
