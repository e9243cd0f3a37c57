//! Anonymization: personal text is overwritten in place, irreversibly. Rows, ids,
//! links and counts stay, so reports and the conversation's structure survive.
//! Running it again changes nothing.
//!
//! A conversation's anonymization erases what the conversation holds (subject,
//! metadata, messages with their metadata, notes, the files attached to both,
//! tickets with their anonymous traits, rating comments, text attribute values, the
//! call's properties) and detaches
//! it from its contacts, whose own data stays: a contact is shared by every
//! conversation it requested. Erasing a person is [`contact`]: the contact's fields
//! and every conversation it requested or wrote in.

use entity::enums::{ActivityType, AttributeKind, ConversationState};
use entity::{
    contact, conversation, conversation_attribute_value as value, custom_attribute_definition,
    message, note, rating, ticket, voice_session,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::activity::{self, Detail};
use super::attachments::{Removal, remove};
use super::conversations::touch;
use super::rules::{changed_meanwhile, find_conversation, find_in};
use super::{begin, now};
use crate::attachments::Attachments;
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

/// Erases the personal text of a conversation: its subject, messages, notes,
/// tickets, rating comments and text attribute values, and detaches it from its
/// requester and the contacts who wrote in it (their own data stays: see
/// [`contact`]). The files attached to its messages and notes are deleted from
/// `store` once the erasure has committed. Only CLOSED conversations, unless `force`
/// closes it first.
pub async fn conversation(
    db: &DatabaseConnection,
    store: &Attachments,
    viewer: &Viewer,
    input: AnonymizeConversation,
) -> Result<conversation::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let conv = find_conversation(&tx, tenant, input.conversation_id).await?;
    if conv.state != ConversationState::Closed && !input.force {
        return Err(UserError::new(
            UserErrorCode::InvalidState,
            &["force"],
            "the conversation is still open: close it first or pass force",
        )
        .into());
    }
    erase(&tx, viewer, &conv).await?;
    let files = remove(&tx, tenant, Removal::Conversation(conv.id)).await?;
    let conv = find_conversation(&tx, tenant, conv.id).await?;
    tx.commit().await?;
    store.delete(&files).await;
    Ok(conv)
}

/// What `contact` is asked to do.
pub struct AnonymizeContact {
    pub contact_id: i64,
    /// Close the contact's OPEN or PENDING conversations first instead of refusing.
    pub force: bool,
}

/// Erases a person (a right-to-erasure request): the contact's name, email,
/// organization and avatar, and every conversation it requested or wrote in, as
/// [`conversation`] does (their files deleted from `store`). Refused while one of
/// those is still open, unless `force` closes them. The contact row and its id stay,
/// with `anonymizedAt` set.
pub async fn contact(
    db: &DatabaseConnection,
    store: &Attachments,
    viewer: &Viewer,
    input: AnonymizeContact,
) -> Result<contact::Model> {
    let tx = begin(db).await?;
    let tenant = viewer.tenant.as_ref();
    let person = find_in::<contact::Entity>(&tx, tenant, input.contact_id, "contact").await?;
    let wrote_in = Query::select()
        .column(message::Column::ConversationId)
        .from(message::Entity)
        .and_where(message::Column::TenantId.eq(tenant))
        .and_where(message::Column::AuthorContactId.eq(person.id))
        .to_owned();
    let theirs = scoped::<conversation::Entity>(tenant)
        .filter(
            Condition::any()
                .add(conversation::Column::RequesterId.eq(person.id))
                .add(conversation::Column::Id.in_subquery(wrote_in)),
        )
        .order_by_asc(conversation::Column::Id)
        .all(&tx)
        .await?;
    let open = theirs
        .iter()
        .filter(|c| c.state != ConversationState::Closed)
        .count();
    if open > 0 && !input.force {
        return Err(UserError::new(
            UserErrorCode::InvalidState,
            &["force"],
            format!("{open} of the contact's conversations are still open: close them first or pass force"),
        )
        .into());
    }
    for conv in &theirs {
        erase(&tx, viewer, conv).await?;
    }
    let none = || Expr::value(None::<String>);
    let scrubbed = contact::Entity::update_many()
        .col_expr(contact::Column::Email, none())
        .col_expr(contact::Column::FirstName, none())
        .col_expr(contact::Column::LastName, none())
        .col_expr(contact::Column::OrganizationName, none())
        .col_expr(contact::Column::OrganizationDomain, none())
        .col_expr(contact::Column::AvatarUrl, none())
        .col_expr(contact::Column::AnonymizedAt, Expr::value(now()))
        .filter(contact::Column::TenantId.eq(tenant))
        .filter(contact::Column::Id.eq(person.id))
        .filter(contact::Column::AnonymizedAt.is_null())
        .exec(&tx)
        .await?;
    if scrubbed.rows_affected > 0 {
        activity::record(
            &tx,
            viewer,
            None,
            ActivityType::Anonymized,
            Detail::default(),
        )
        .await?;
    }
    // Last: the tenant's usage row is the last row a transaction locks.
    let mut files = Vec::new();
    for conv in &theirs {
        files.extend(remove(&tx, tenant, Removal::Conversation(conv.id)).await?);
    }
    let person = find_in::<contact::Entity>(&tx, tenant, person.id, "contact").await?;
    tx.commit().await?;
    store.delete(&files).await;
    Ok(person)
}

/// Closes `conv` if it is open, erases what it holds and stamps it, with its
/// Activity entries; nothing when it was erased already.
async fn erase(
    tx: &DatabaseTransaction,
    viewer: &Viewer,
    conv: &conversation::Model,
) -> Result<()> {
    let tenant = viewer.tenant.as_ref();
    let at = now();
    let mut changed = conv.anonymized_at.is_none();
    if conv.state != ConversationState::Closed {
        close(tx, tenant, conv, at).await?;
        activity::record(
            tx,
            viewer,
            Some(conv.id),
            ActivityType::Closed,
            Detail::default(),
        )
        .await?;
        changed = true;
    }
    changed |= redact_conversation(tx, tenant, conv, at).await? > 0;
    if !changed {
        return Ok(());
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
        .exec(tx)
        .await?;
    activity::record(
        tx,
        viewer,
        Some(conv.id),
        ActivityType::Anonymized,
        Detail::default(),
    )
    .await?;
    Ok(())
}

/// Erases the text of one message (in any state of its conversation) and deletes
/// its attached files from `store` once that has committed.
pub async fn message(
    db: &DatabaseConnection,
    store: &Attachments,
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
    let files = remove(&tx, tenant, Removal::Message(found.id)).await?;
    let found = find_in::<message::Entity>(&tx, tenant, message_id, "message").await?;
    let conv = find_conversation(&tx, tenant, found.conversation_id).await?;
    tx.commit().await?;
    store.delete(&files).await;
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
        .col_expr(ticket::Column::AnonymousTraits, Expr::value(None::<String>))
        .filter(
            tickets().add(
                Condition::any()
                    .add(ticket::Column::OriginalText.ne(REDACTED))
                    .add(ticket::Column::OriginalHtml.is_not_null())
                    .add(ticket::Column::Sender.is_not_null())
                    .add(ticket::Column::AnonymousTraits.is_not_null()),
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

    changed += conversation::Entity::update_many()
        .col_expr(conversation::Column::Subject, Expr::value(REDACTED))
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(conv.id))
        .filter(conversation::Column::Subject.ne(REDACTED))
        .exec(tx)
        .await?
        .rows_affected;

    // What clients stored about the people: conversation metadata, the call's
    // properties (the flow's steps are not personal).
    changed += conversation::Entity::update_many()
        .col_expr(conversation::Column::Metadata, Expr::value(None::<String>))
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(conv.id))
        .filter(conversation::Column::Metadata.is_not_null())
        .exec(tx)
        .await?
        .rows_affected;
    changed += voice_session::Entity::update_many()
        .col_expr(voice_session::Column::SessionProperties, Expr::value("{}"))
        .filter(voice_session::Column::TenantId.eq(tenant))
        .filter(voice_session::Column::ConversationId.eq(conv.id))
        .filter(voice_session::Column::SessionProperties.ne("{}"))
        .exec(tx)
        .await?
        .rows_affected;

    // Free text an agent typed about the customer; chosen options are not personal.
    let text_kinds = Query::select()
        .column(custom_attribute_definition::Column::Id)
        .from(custom_attribute_definition::Entity)
        .and_where(custom_attribute_definition::Column::TenantId.eq(tenant))
        .and_where(custom_attribute_definition::Column::Kind.eq(AttributeKind::Text))
        .to_owned();
    changed += value::Entity::update_many()
        .col_expr(value::Column::Text, Expr::value(REDACTED))
        .filter(value::Column::TenantId.eq(tenant))
        .filter(value::Column::ConversationId.eq(conv.id))
        .filter(value::Column::DefinitionId.in_subquery(text_kinds))
        .filter(value::Column::Text.ne(REDACTED))
        .exec(tx)
        .await?
        .rows_affected;

    // The people: detached from this conversation, their contacts untouched.
    changed += message::Entity::update_many()
        .col_expr(message::Column::AuthorContactId, Expr::value(None::<i64>))
        .filter(message::Column::TenantId.eq(tenant))
        .filter(message::Column::ConversationId.eq(conv.id))
        .filter(message::Column::AuthorContactId.is_not_null())
        .exec(tx)
        .await?
        .rows_affected;
    changed += conversation::Entity::update_many()
        .col_expr(conversation::Column::RequesterId, Expr::value(None::<i64>))
        .filter(conversation::Column::TenantId.eq(tenant))
        .filter(conversation::Column::Id.eq(conv.id))
        .filter(conversation::Column::RequesterId.is_not_null())
        .exec(tx)
        .await?
        .rows_affected;
    Ok(changed)
}

async fn redact_messages(tx: &DatabaseTransaction, which: Condition, at: i64) -> Result<u64> {
    Ok(message::Entity::update_many()
        .col_expr(message::Column::Text, Expr::value(REDACTED))
        .col_expr(message::Column::Html, Expr::value(None::<String>))
        .col_expr(message::Column::Metadata, Expr::value(None::<String>))
        .col_expr(message::Column::AnonymizedAt, Expr::value(at))
        .filter(which.add(message::Column::AnonymizedAt.is_null()))
        .exec(tx)
        .await?
        .rows_affected)
}
