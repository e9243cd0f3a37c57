//! Anonymization: personal text is overwritten in place, irreversibly. Rows, ids,
//! links and counts stay, so reports and the conversation's structure survive.
//! Running it again changes nothing.

use entity::enums::{ActivityType, ConversationState};
use entity::{contact, conversation, message, note, rating, ticket};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect,
};

use super::activity::{self, Detail};
use super::conversations::touch;
use super::rules::{changed_meanwhile, find_conversation, find_in};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Result, UserError, UserErrorCode};

/// What personal text is replaced with.
pub const REDACTED: &str = "[redacted]";

/// What `conversation` is asked to do.
pub struct AnonymizeConversation {
    pub conversation_id: i64,
    /// Close an OPEN or PENDING conversation first instead of refusing.
    pub force: bool,
}

/// Erases the personal text of a conversation: its messages, notes, tickets and
/// rating comments, and its requester's (and other writing contacts') name, email,
/// organization and avatar. Only CLOSED conversations, unless `force` closes it first.
pub async fn conversation(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: AnonymizeConversation,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = find_conversation(&tx, tenant, input.conversation_id).await?;
    let at = now();
    let mut changed = conv.anonymized_at.is_none();
    if conv.state != ConversationState::Closed {
        if !input.force {
            return Err(UserError::new(
                UserErrorCode::InvalidState,
                &["force"],
                "the conversation is still open: close it first or pass force",
            )
            .into());
        }
        close(&tx, tenant, &conv, at).await?;
        activity::record(
            &tx,
            viewer,
            Some(conv.id),
            ActivityType::Closed,
            Detail::default(),
        )
        .await?;
        changed = true;
    }
    changed |= redact_conversation(&tx, tenant, &conv, at).await? > 0;
    if !changed {
        return Ok(conv);
    }
    conversation::Entity::update_many()
        .col_expr(conversation::Column::AnonymizedAt, Expr::value(at))
        .col_expr(conversation::Column::UpdatedAt, Expr::value(at))
        .col_expr(
            conversation::Column::Version,
            Expr::col(conversation::Column::Version).add(1),
        )
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(conv.id))
        .exec(&tx)
        .await?;
    activity::record(
        &tx,
        viewer,
        Some(conv.id),
        ActivityType::Anonymized,
        Detail::default(),
    )
    .await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    Ok(conv)
}

/// Erases the text of one message (in any state of its conversation).
pub async fn message(
    db: &DatabaseConnection,
    viewer: &Viewer,
    message_id: i64,
) -> Result<(message::Model, conversation::Model)> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let found = find_in::<message::Entity>(&tx, tenant, message_id, "message").await?;
    if found.anonymized_at.is_none() {
        let at = now();
        let which = Condition::all()
            .add(message::Column::TenantId.eq(tenant))
            .add(message::Column::Id.eq(found.id));
        if redact_messages(&tx, which, at).await? > 0 {
            touch(&tx, tenant, found.conversation_id, at, false).await?;
            let detail = Detail {
                message_id: Some(found.id),
                ..Detail::default()
            };
            let conv = Some(found.conversation_id);
            activity::record(&tx, viewer, conv, ActivityType::Anonymized, detail).await?;
        }
    }
    let found = find_in::<message::Entity>(&tx, tenant, message_id, "message").await?;
    let conv = find_conversation(&tx, tenant, found.conversation_id).await?;
    tx.commit().await?;
    Ok((found, conv))
}

async fn close(
    tx: &DatabaseTransaction,
    tenant: &str,
    conv: &conversation::Model,
    at: i64,
) -> Result<()> {
    let closed = conversation::Entity::update_many()
        .col_expr(
            conversation::Column::State,
            Expr::value(ConversationState::Closed),
        )
        .col_expr(conversation::Column::StateUpdatedAt, Expr::value(at))
        .col_expr(conversation::Column::ClosedAt, Expr::value(at))
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(conv.id))
        .filter(conversation::Column::State.eq(conv.state))
        .exec(tx)
        .await?;
    if closed.rows_affected == 0 {
        return Err(changed_meanwhile("conversationId", "conversation"));
    }
    Ok(())
}

/// Overwrites what is not yet anonymized; returns how many rows changed.
async fn redact_conversation(
    tx: &DatabaseTransaction,
    tenant: &str,
    conv: &conversation::Model,
    at: i64,
) -> Result<u64> {
    let mut changed = redact_messages(
        tx,
        Condition::all()
            .add(message::Column::TenantId.eq(tenant))
            .add(message::Column::ConversationId.eq(conv.id)),
        at,
    )
    .await?;

    changed += note::Entity::update_many()
        .col_expr(note::Column::Body, Expr::value(REDACTED))
        .col_expr(note::Column::AnonymizedAt, Expr::value(at))
        .filter(note::Column::TenantId.eq(tenant))
        .filter(note::Column::ConversationId.eq(conv.id))
        .filter(note::Column::AnonymizedAt.is_null())
        .exec(tx)
        .await?
        .rows_affected;

    let tickets = || {
        Condition::all()
            .add(ticket::Column::TenantId.eq(tenant))
            .add(ticket::Column::ConversationId.eq(conv.id))
    };
    changed += ticket::Entity::update_many()
        .col_expr(ticket::Column::OriginalText, Expr::value(REDACTED))
        .col_expr(ticket::Column::OriginalHtml, Expr::value(None::<String>))
        .col_expr(ticket::Column::Sender, Expr::value(None::<String>))
        .filter(
            tickets().add(
                Condition::any()
                    .add(ticket::Column::OriginalText.ne(REDACTED))
                    .add(ticket::Column::OriginalHtml.is_not_null())
                    .add(ticket::Column::Sender.is_not_null()),
            ),
        )
        .exec(tx)
        .await?
        .rows_affected;
    changed += ticket::Entity::update_many()
        .col_expr(ticket::Column::CleanestBody, Expr::value(REDACTED))
        .filter(tickets().add(ticket::Column::CleanestBody.ne(REDACTED)))
        .exec(tx)
        .await?
        .rows_affected;

    changed += rating::Entity::update_many()
        .col_expr(rating::Column::Comment, Expr::value(REDACTED))
        .filter(rating::Column::TenantId.eq(tenant))
        .filter(rating::Column::ConversationId.eq(conv.id))
        .filter(rating::Column::Comment.ne(REDACTED))
        .exec(tx)
        .await?
        .rows_affected;

    // The people who wrote in it: the requester and any contact author.
    let mut contacts: Vec<i64> = scoped::<message::Entity>(tenant)
        .filter(message::Column::ConversationId.eq(conv.id))
        .filter(message::Column::AuthorContactId.is_not_null())
        .select_only()
        .column(message::Column::AuthorContactId)
        .distinct()
        .into_tuple::<Option<i64>>()
        .all(tx)
        .await?
        .into_iter()
        .flatten()
        .collect();
    contacts.extend(conv.requester_id);
    if !contacts.is_empty() {
        let none = || Expr::value(None::<String>);
        changed += contact::Entity::update_many()
            .col_expr(contact::Column::Email, none())
            .col_expr(contact::Column::FirstName, none())
            .col_expr(contact::Column::LastName, none())
            .col_expr(contact::Column::OrganizationName, none())
            .col_expr(contact::Column::OrganizationDomain, none())
            .col_expr(contact::Column::AvatarUrl, none())
            .col_expr(contact::Column::AnonymizedAt, Expr::value(at))
            .filter(contact::Column::TenantId.eq(tenant))
            .filter(contact::Column::Id.is_in(contacts))
            .filter(contact::Column::AnonymizedAt.is_null())
            .exec(tx)
            .await?
            .rows_affected;
    }
    Ok(changed)
}

async fn redact_messages(tx: &DatabaseTransaction, which: Condition, at: i64) -> Result<u64> {
    Ok(message::Entity::update_many()
        .col_expr(message::Column::Text, Expr::value(REDACTED))
        .col_expr(message::Column::Html, Expr::value(None::<String>))
        .col_expr(message::Column::AnonymizedAt, Expr::value(at))
        .filter(which.add(message::Column::AnonymizedAt.is_null()))
        .exec(tx)
        .await?
        .rows_affected)
}
