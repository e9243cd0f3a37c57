//! The rules of a conversation's life: claim, close, reopen, transfer, tag.
//!
//! The documented rule for CLOSED conversations: every change but `reopen` (and
//! reads) is refused with CONVERSATION_CLOSED; reopen first.

use chrono::{DateTime, Utc};
use entity::conversation;
use entity::enums::{ActivityType, ConversationState};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::activity::{self, Detail};
use super::{begin, check_unchanged, find_agent, find_conversation, now};
use crate::auth::Viewer;
use crate::error::{Result, UserError, UserErrorCode};

/// Refuses changes to a CLOSED conversation.
pub fn check_open(conv: &conversation::Model) -> Result<()> {
    if conv.state == ConversationState::Closed {
        return Err(UserError::new(
            UserErrorCode::ConversationClosed,
            &["conversationId"],
            "the conversation is closed; reopen it first",
        )
        .into());
    }
    Ok(())
}

/// What `claim` is asked to do.
pub struct Claim {
    pub conversation_id: i64,
    /// The agent to assign; the viewer when `None`.
    pub agent_id: Option<i64>,
    /// Take the conversation even from another agent.
    pub force: bool,
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// Assigns a conversation to an agent. Without `force` it never takes a
/// conversation from another agent, and of concurrent claims exactly one wins:
/// the update is conditional on the assignee the claim saw.
pub async fn claim(
    db: &sea_orm::DatabaseConnection,
    viewer: &Viewer,
    input: Claim,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let conv = find_conversation(&tx, &viewer.tenant, input.conversation_id).await?;
    let agent_id = find_agent(
        &tx,
        &viewer.tenant,
        input.agent_id.unwrap_or(viewer.agent_id),
    )
    .await?
    .id;
    check_unchanged(conv.updated_at, input.expected_updated_at)?;
    check_open(&conv)?;
    if conv.assignee_id == Some(agent_id) {
        return Ok(conv);
    }
    let taken_from = conv.assignee_id;
    if taken_from.is_some() && !input.force {
        return Err(already_assigned());
    }
    let at = now();
    let unchanged = match taken_from {
        // Taking over: only from the assignee this claim saw.
        Some(previous) => conversation::Column::AssigneeId.eq(previous),
        None => conversation::Column::AssigneeId.is_null(),
    };
    let updated = conversation::Entity::update_many()
        .col_expr(conversation::Column::AssigneeId, Expr::value(agent_id))
        .col_expr(conversation::Column::AssignedAt, Expr::value(at))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(
            Condition::all()
                .add(conversation::Column::TenantId.eq(viewer.tenant.as_ref()))
                .add(conversation::Column::Id.eq(conv.id))
                .add(conversation::Column::State.ne(ConversationState::Closed))
                .add(unchanged),
        )
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        // Another claim committed first.
        return Err(already_assigned());
    }
    let detail = Detail {
        agent_id: Some(agent_id),
        from_agent_id: taken_from,
        ..Detail::default()
    };
    activity::record(&tx, viewer, Some(conv.id), ActivityType::Claimed, detail).await?;
    let conv = find_conversation(&tx, &viewer.tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

fn already_assigned() -> crate::error::Error {
    UserError::new(
        UserErrorCode::AlreadyAssigned,
        &["conversationId"],
        "the conversation is assigned to another agent; claim with force to take it over",
    )
    .into()
}
