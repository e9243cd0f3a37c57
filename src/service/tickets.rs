//! The rules of tickets: per-tenant numbers, the cleanest body, unique external ids,
//! tag links with salience and sentiment, and the unread flag.
//!
//! A ticket may belong to a conversation. Creating one on a CLOSED conversation is
//! refused (CONVERSATION_CLOSED), as every new thing in a closed conversation is;
//! editing, tagging, reading or deleting an existing ticket is not, because a ticket
//! follows its own status (it is often solved after its conversation was closed).
//!
//! Every change to a ticket appends its Activity entry in its transaction:
//! TICKET_CREATED, TICKET_UPDATED for edits and tag links, TICKET_DELETED (the entries
//! that named the ticket stay, with their `ticket` set to null by the foreign key), and
//! TICKET_READ / TICKET_UNREAD when the unread flag changes. Marking a ticket read
//! leaves `updatedAt` alone, so opening a ticket never makes an editor's
//! `expectedUpdatedAt` stale.
//!
//! `unreadTicketCount` counts the unread tickets still waiting on the team:
//! [`UNREAD_COUNTED`] (NEW, OPEN, PENDING, ON_HOLD); SOLVED and CLOSED ones do not.

use chrono::{DateTime, Utc};
use entity::enums::{ActivityType, TagState, TicketPriority, TicketStatus};
use entity::{tag, tenant_counter, ticket, ticket_tag};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, NotSet, PaginatorTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::counters;
use super::idempotency::{self, Key};
use super::rules::{
    MAX_HTML, MAX_TEXT, TagLinks, changed_meanwhile, check_external_id_free, check_open,
    check_unchanged, find_conversation, find_in, find_link, invalid, tag_inactive,
    valid_json_object, valid_text,
};
use super::tags::{find_tag, ticket_links_changed};
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result};
use crate::text::cleanest_body::cleanest_body;
use crate::text::html::{Quotes, html_to_text, sanitize_html};
use crate::text::sentiment;

/// Longest external id, source or sender.
pub const MAX_SHORT: usize = 320;
/// Longest escalation reason.
pub const MAX_REASON: usize = 1000;
/// Most tags given to `create` at once.
pub const MAX_TAGS: usize = 100;
/// Salience of a tag link when the client gives none.
pub const DEFAULT_SALIENCE: f64 = 0.5;

/// A tag to put on a ticket; unset values get their defaults.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TagLink {
    pub tag_id: i64,
    /// 0 to 1; default [`DEFAULT_SALIENCE`].
    pub salience: Option<f64>,
    /// -1 to 1; default: the sentiment of the ticket's cleanest body.
    pub sentiment: Option<f64>,
}

/// What `create` is asked to make.
#[derive(Debug, Serialize)]
pub struct NewTicket {
    pub conversation_id: Option<i64>,
    pub external_id: Option<String>,
    pub source: Option<String>,
    pub sender: Option<String>,
    pub original_text: Option<String>,
    pub original_html: Option<String>,
    pub status: TicketStatus,
    pub priority: TicketPriority,
    /// Microseconds since the epoch.
    pub sla_due_at: Option<i64>,
    pub ai_resolved: bool,
    pub escalation_reason: Option<String>,
    /// A JSON object of what is known of an anonymous requester.
    pub anonymous_traits: Option<serde_json::Value>,
    pub tags: Vec<TagLink>,
}

#[derive(Serialize, Deserialize)]
struct Created {
    ticket: i64,
}

/// The ticket `id` of the tenant, or NOT_FOUND.
pub async fn find_ticket(tx: &DatabaseTransaction, tenant: &str, id: i64) -> Result<ticket::Model> {
    find_in::<ticket::Entity>(tx, tenant, id, "ticket").await
}

/// Refuses a body larger than `max` bytes.
fn check_size(value: Option<&str>, field: &str, max: usize) -> Result<()> {
    match value {
        Some(v) if v.len() > max => Err(invalid(&[field], format!("at most {} KB", max / 1024))),
        _ => Ok(()),
    }
}

/// Refuses a salience outside 0..1 at `field`.
pub fn check_salience(value: f64, field: &[&str]) -> Result<f64> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(field, "salience must be between 0 and 1"))
    }
}

/// Refuses a sentiment outside -1..1 at `field`.
pub fn check_sentiment(value: f64, field: &[&str]) -> Result<f64> {
    if value.is_finite() && (-1.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(field, "sentiment must be between -1 and 1"))
    }
}

/// The sentiment a tag link gets by default: that of the ticket's request.
fn default_sentiment(ticket: &ticket::Model) -> f64 {
    sentiment(
        ticket
            .cleanest_body
            .as_deref()
            .unwrap_or(&ticket.original_text),
    )
}

/// Creates a ticket with its tags (idempotently when the client sends a key).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewTicket,
    idempotency_key: Option<&str>,
) -> Result<ticket::Model> {
    let key = Key::new(idempotency_key, "createTicket", &input)?;
    let tx = begin(db).await?;
    if let Some(key) = &key
        && let Some(Created { ticket }) = idempotency::reserve(&tx, viewer, key).await?
    {
        return find_ticket(&tx, &viewer.tenant, ticket).await;
    }
    let tenant = &viewer.tenant;
    let external_id = valid_text(input.external_id.as_deref(), "externalId", MAX_SHORT)?;
    let source = valid_text(input.source.as_deref(), "source", MAX_SHORT)?;
    let sender = valid_text(input.sender.as_deref(), "sender", MAX_SHORT)?;
    check_size(input.original_text.as_deref(), "originalText", MAX_TEXT)?;
    check_size(input.original_html.as_deref(), "originalHtml", MAX_HTML)?;
    let html = input
        .original_html
        .as_deref()
        .map(sanitize_html)
        .filter(|h| !h.trim().is_empty());
    let cleanest = cleanest_body(
        input.original_text.as_deref().unwrap_or(""),
        html.as_deref(),
    );
    // Without text, the text is the HTML's (what the cleanest body was read from).
    let original_text = match (input.original_text, &html) {
        (Some(text), _) if !text.trim().is_empty() => text,
        (_, Some(html)) => html_to_text(html, Quotes::Drop).trim().to_owned(),
        (text, None) => text.unwrap_or_default(),
    };
    if let Some(conversation_id) = input.conversation_id {
        check_open(&find_conversation(&tx, tenant, conversation_id).await?)?;
    }
    check_external_id_free::<ticket::Entity>(&tx, tenant, external_id.as_deref()).await?;
    let escalation_reason = valid_text(
        input.escalation_reason.as_deref(),
        "escalationReason",
        MAX_REASON,
    )?;
    let anonymous_traits = valid_json_object(input.anonymous_traits.as_ref(), "anonymousTraits")?;
    let links = checked_links(&tx, tenant, &input.tags).await?;
    let number = counters::next::<ticket::Entity>(
        &tx,
        tenant,
        tenant_counter::TICKET,
        ticket::Column::Number,
    )
    .await?;
    let at = now();
    let created = ticket::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant.to_string()),
        number: Set(number),
        external_id: Set(external_id),
        conversation_id: Set(input.conversation_id),
        source: Set(source),
        sender: Set(sender),
        original_text: Set(original_text),
        original_html: Set(html),
        cleanest_body: Set(cleanest),
        status: Set(input.status),
        priority: Set(input.priority),
        sla_due_at: Set(input.sla_due_at),
        ai_resolved: Set(input.ai_resolved),
        escalation_reason: Set(escalation_reason),
        unread: Set(true),
        created_at: Set(at),
        updated_at: Set(at),
        anonymous_traits: Set(anonymous_traits),
    }
    .insert(&tx)
    .await?;
    let mood = default_sentiment(&created);
    for (tag_id, salience, sentiment) in links {
        insert_link(
            &tx,
            &created,
            tag_id,
            salience.unwrap_or(DEFAULT_SALIENCE),
            sentiment.unwrap_or(mood),
            at,
        )
        .await?;
    }
    let detail = Detail {
        ticket_id: Some(created.id),
        ..Detail::default()
    };
    activity::record(
        &tx,
        viewer,
        created.conversation_id,
        ActivityType::TicketCreated,
        detail,
    )
    .await?;
    if let Some(key) = &key {
        idempotency::remember(&tx, viewer, key, &Created { ticket: created.id }).await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// The tags of a ticket write, checked: each exists in the tenant, is active and
/// listed once, with salience and sentiment in range.
async fn checked_links(
    tx: &DatabaseTransaction,
    tenant: &str,
    tags: &[TagLink],
) -> Result<Vec<(i64, Option<f64>, Option<f64>)>> {
    if tags.len() > MAX_TAGS {
        return Err(invalid(&["tags"], format!("at most {MAX_TAGS} tags")));
    }
    let mut links = Vec::with_capacity(tags.len());
    for (i, link) in tags.iter().enumerate() {
        let i = i.to_string();
        let tag = find_tag(tx, tenant, link.tag_id).await?;
        if tags.iter().filter(|l| l.tag_id == tag.id).count() > 1 {
            return Err(invalid(&["tags", &i, "tagId"], "the tag is listed twice"));
        }
        if tag.state == TagState::Inactive {
            return Err(tag_inactive(&["tags", &i, "tagId"]));
        }
        let salience = link
            .salience
            .map(|s| check_salience(s, &["tags", &i, "salience"]))
            .transpose()?;
        let sentiment = link
            .sentiment
            .map(|s| check_sentiment(s, &["tags", &i, "sentiment"]))
            .transpose()?;
        links.push((tag.id, salience, sentiment));
    }
    Ok(links)
}

async fn insert_link(
    tx: &DatabaseTransaction,
    ticket: &ticket::Model,
    tag_id: i64,
    salience: f64,
    sentiment: f64,
    at: i64,
) -> Result<ticket_tag::Model> {
    let link = ticket_tag::ActiveModel {
        tenant_id: Set(ticket.tenant_id.clone()),
        ticket_id: Set(ticket.id),
        tag_id: Set(tag_id),
        salience: Set(salience),
        sentiment: Set(sentiment),
        created_at: Set(at),
    }
    .insert(tx)
    .await?;
    ticket_links_changed(tx, &ticket.tenant_id, tag_id, 1).await?;
    Ok(link)
}

/// What `update` is asked to change: `None` leaves a field alone, and for the
/// clearable fields `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct TicketChanges {
    pub ticket_id: i64,
    pub status: Option<TicketStatus>,
    pub priority: Option<TicketPriority>,
    pub sla_due_at: Option<Option<i64>>,
    pub escalation_reason: Option<Option<String>>,
    pub ai_resolved: Option<bool>,
    /// `Some(None)` clears them.
    pub anonymous_traits: Option<Option<serde_json::Value>>,
    /// A new text; the cleanest body is computed from it again.
    pub original_text: Option<String>,
    /// The ticket's tags from now on: listed tags are added (or get the listed
    /// salience and sentiment), unlisted ones removed.
    pub tags: Option<Vec<TagLink>>,
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// A time after `previous` and not before now: `updatedAt` always moves forward, so
/// an `expectedUpdatedAt` read before a change never matches after it.
fn later_than(previous: i64) -> i64 {
    Ord::max(now(), previous + 1)
}

/// Locks the ticket row for this transaction and sets its `updatedAt`. The lock makes
/// concurrent changes of one ticket (its tag links, its deletion) queue; a ticket
/// deleted meanwhile is NOT_FOUND.
async fn touch(tx: &DatabaseTransaction, ticket: &ticket::Model, at: i64) -> Result<()> {
    let updated = ticket::Entity::update_many()
        .col_expr(ticket::Column::UpdatedAt, Expr::value(at))
        .filter(ticket::Column::TenantId.eq(ticket.tenant_id.as_str()))
        .filter(ticket::Column::Id.eq(ticket.id))
        .exec(tx)
        .await?;
    if updated.rows_affected == 0 {
        return Err(Error::NotFound("ticket".into()));
    }
    Ok(())
}

/// Edits a ticket. With `expected_updated_at`, a ticket changed meanwhile is refused
/// with CONFLICT and left as it is. A change that changes nothing writes nothing.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: TicketChanges,
) -> Result<ticket::Model> {
    let tx = begin(db).await?;
    let current = find_ticket(&tx, &viewer.tenant, input.ticket_id).await?;
    check_unchanged(current.updated_at, input.expected_updated_at)?;
    // Only values that differ from the ticket's count as changes.
    let mut row = <ticket::ActiveModel as Default>::default();
    if let Some(status) = input.status.filter(|s| *s != current.status) {
        row.status = Set(status);
    }
    if let Some(priority) = input.priority.filter(|p| *p != current.priority) {
        row.priority = Set(priority);
    }
    if let Some(sla_due_at) = input.sla_due_at.filter(|s| *s != current.sla_due_at) {
        row.sla_due_at = Set(sla_due_at);
    }
    if let Some(reason) = input.escalation_reason {
        let reason = valid_text(reason.as_deref(), "escalationReason", MAX_REASON)?;
        if reason != current.escalation_reason {
            row.escalation_reason = Set(reason);
        }
    }
    if let Some(ai_resolved) = input.ai_resolved.filter(|a| *a != current.ai_resolved) {
        row.ai_resolved = Set(ai_resolved);
    }
    if let Some(traits) = input.anonymous_traits {
        let traits = valid_json_object(traits.as_ref(), "anonymousTraits")?;
        if traits != current.anonymous_traits {
            row.anonymous_traits = Set(traits);
        }
    }
    if let Some(text) = input.original_text.filter(|t| *t != current.original_text) {
        check_size(Some(&text), "originalText", MAX_TEXT)?;
        row.cleanest_body = Set(cleanest_body(&text, current.original_html.as_deref()));
        row.original_text = Set(text);
    }
    let relinked = match &input.tags {
        Some(tags) => {
            // The row lock makes concurrent tag changes of this ticket queue.
            touch(&tx, &current, current.updated_at).await?;
            retag(&tx, &current, tags).await?
        }
        None => false,
    };
    if !row.is_changed() && !relinked {
        return Ok(current);
    }
    let at = later_than(current.updated_at);
    row.updated_at = Set(at);
    let mut which = Condition::all()
        .add(ticket::Column::TenantId.eq(viewer.tenant.as_ref()))
        .add(ticket::Column::Id.eq(current.id));
    if input.expected_updated_at.is_some() {
        // Of two concurrent edits with the same expectation, the second finds no row.
        which = which.add(ticket::Column::UpdatedAt.eq(current.updated_at));
    }
    let updated = ticket::Entity::update_many()
        .set(row)
        .filter(which)
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        return Err(match input.expected_updated_at {
            Some(_) => changed_meanwhile("expectedUpdatedAt", "ticket"),
            None => Error::NotFound("ticket".into()),
        });
    }
    let detail = Detail {
        ticket_id: Some(current.id),
        ..Detail::default()
    };
    activity::record(
        &tx,
        viewer,
        current.conversation_id,
        ActivityType::TicketUpdated,
        detail,
    )
    .await?;
    let ticket = find_ticket(&tx, &viewer.tenant, current.id).await?;
    tx.commit().await?;
    Ok(ticket)
}

/// Makes `tags` the ticket's tag set; whether a link changed. Kept links take the
/// listed salience and sentiment where given.
async fn retag(tx: &DatabaseTransaction, ticket: &ticket::Model, tags: &[TagLink]) -> Result<bool> {
    let tenant = ticket.tenant_id.as_str();
    let wanted = checked_links(tx, tenant, tags).await?;
    let current = ticket_tag::Entity::find()
        .filter(ticket_tag::Column::TenantId.eq(tenant))
        .filter(ticket_tag::Column::TicketId.eq(ticket.id))
        .all(tx)
        .await?;
    let mut changed = false;
    for link in current
        .iter()
        .filter(|l| wanted.iter().all(|w| w.0 != l.tag_id))
    {
        ticket_tag::Entity::delete_many()
            .filter(ticket_tag::Column::TenantId.eq(tenant))
            .filter(ticket_tag::Column::TicketId.eq(ticket.id))
            .filter(ticket_tag::Column::TagId.eq(link.tag_id))
            .exec(tx)
            .await?;
        ticket_links_changed(tx, tenant, link.tag_id, -1).await?;
        changed = true;
    }
    let mood = default_sentiment(ticket);
    for (tag_id, salience, sentiment) in wanted {
        match current.iter().find(|l| l.tag_id == tag_id) {
            None => {
                let salience = salience.unwrap_or(DEFAULT_SALIENCE);
                let sentiment = sentiment.unwrap_or(mood);
                insert_link(tx, ticket, tag_id, salience, sentiment, now()).await?;
                changed = true;
            }
            Some(link) => {
                let salience = salience.unwrap_or(link.salience);
                let sentiment = sentiment.unwrap_or(link.sentiment);
                if (salience, sentiment) != (link.salience, link.sentiment) {
                    ticket_tag::Entity::update_many()
                        .col_expr(ticket_tag::Column::Salience, Expr::value(salience))
                        .col_expr(ticket_tag::Column::Sentiment, Expr::value(sentiment))
                        .filter(ticket_tag::Column::TenantId.eq(tenant))
                        .filter(ticket_tag::Column::TicketId.eq(ticket.id))
                        .filter(ticket_tag::Column::TagId.eq(tag_id))
                        .exec(tx)
                        .await?;
                    ticket_links_changed(tx, tenant, tag_id, 0).await?;
                    changed = true;
                }
            }
        }
    }
    Ok(changed)
}

/// Deletes a ticket and its tag links, keeping each tag's count and score true.
/// Returns the deleted row.
pub async fn delete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: i64,
) -> Result<ticket::Model> {
    let tx = begin(db).await?;
    let ticket = find_ticket(&tx, &viewer.tenant, ticket_id).await?;
    touch(&tx, &ticket, later_than(ticket.updated_at)).await?;
    let links = ticket_tag::Entity::find()
        .filter(ticket_tag::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(ticket_tag::Column::TicketId.eq(ticket.id))
        .all(&tx)
        .await?;
    ticket_tag::Entity::delete_many()
        .filter(ticket_tag::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(ticket_tag::Column::TicketId.eq(ticket.id))
        .exec(&tx)
        .await?;
    for link in &links {
        ticket_links_changed(&tx, &viewer.tenant, link.tag_id, -1).await?;
    }
    ticket::Entity::delete_many()
        .filter(ticket::Column::TenantId.eq(viewer.tenant.as_ref()))
        .filter(ticket::Column::Id.eq(ticket.id))
        .exec(&tx)
        .await?;
    let kind = ActivityType::TicketDeleted;
    activity::record(&tx, viewer, ticket.conversation_id, kind, Detail::default()).await?;
    tx.commit().await?;
    Ok(ticket)
}

/// What a tag link change left behind: the ticket and the tag as they are now, and
/// the link as it is now (`add_tag`) or as it was when removed (`remove_tag`; `None`
/// when the ticket did not carry the tag).
pub struct Linked {
    pub ticket: ticket::Model,
    pub tag: tag::Model,
    pub link: Option<ticket_tag::Model>,
}

/// Puts a tag on a ticket, or changes the salience and sentiment of the link when the
/// ticket already carries it (values not given are kept; the same values again change
/// nothing). An INACTIVE tag cannot be added anew (TAG_INACTIVE); an existing link to
/// it may still be adjusted.
pub async fn add_tag(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: i64,
    input: TagLink,
) -> Result<Linked> {
    let tx = begin(db).await?;
    let tenant = &viewer.tenant;
    let ticket = find_ticket(&tx, tenant, ticket_id).await?;
    let tag = find_tag(&tx, tenant, input.tag_id).await?;
    let salience = input
        .salience
        .map(|s| check_salience(s, &["salience"]))
        .transpose()?;
    let sentiment = input
        .sentiment
        .map(|s| check_sentiment(s, &["sentiment"]))
        .transpose()?;
    let unchanged = |link: &ticket_tag::Model| {
        salience.is_none_or(|s| s == link.salience) && sentiment.is_none_or(|s| s == link.sentiment)
    };
    if let Some(link) = find_link::<ticket_tag::Entity>(&tx, tenant, ticket.id, tag.id).await?
        && unchanged(&link)
    {
        return Ok(Linked {
            ticket,
            tag,
            link: Some(link),
        });
    }
    let at = later_than(ticket.updated_at);
    touch(&tx, &ticket, at).await?;
    // Read again under the ticket's lock: a concurrent add may have linked it meanwhile.
    let link = match find_link::<ticket_tag::Entity>(&tx, tenant, ticket.id, tag.id).await? {
        Some(link) => {
            let mut row: ticket_tag::ActiveModel = link.into();
            if let Some(s) = salience {
                row.salience = Set(s);
            }
            if let Some(s) = sentiment {
                row.sentiment = Set(s);
            }
            let link = row.update(&tx).await?;
            ticket_links_changed(&tx, tenant, tag.id, 0).await?;
            link
        }
        None => {
            if tag.state == TagState::Inactive {
                return Err(tag_inactive(&["tagId"]));
            }
            let mood = sentiment.unwrap_or_else(|| default_sentiment(&ticket));
            insert_link(
                &tx,
                &ticket,
                tag.id,
                salience.unwrap_or(DEFAULT_SALIENCE),
                mood,
                at,
            )
            .await?
        }
    };
    let detail = Detail {
        ticket_id: Some(ticket.id),
        tag_id: Some(tag.id),
        ..Detail::default()
    };
    activity::record(
        &tx,
        viewer,
        ticket.conversation_id,
        ActivityType::TicketUpdated,
        detail,
    )
    .await?;
    let linked = Linked {
        ticket: find_ticket(&tx, tenant, ticket.id).await?,
        tag: find_tag(&tx, tenant, tag.id).await?,
        link: Some(link),
    };
    tx.commit().await?;
    Ok(linked)
}

/// Takes a tag off a ticket; inactive tags too. A ticket without the tag is left as it is.
pub async fn remove_tag(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: i64,
    tag_id: i64,
) -> Result<Linked> {
    let tx = begin(db).await?;
    let tenant = &viewer.tenant;
    let ticket = find_ticket(&tx, tenant, ticket_id).await?;
    let tag = find_tag(&tx, tenant, tag_id).await?;
    if find_link::<ticket_tag::Entity>(&tx, tenant, ticket.id, tag.id)
        .await?
        .is_none()
    {
        return Ok(Linked {
            ticket,
            tag,
            link: None,
        });
    }
    touch(&tx, &ticket, later_than(ticket.updated_at)).await?;
    // Read again under the ticket's lock: a concurrent remove may have been first.
    let link = find_link::<ticket_tag::Entity>(&tx, tenant, ticket.id, tag.id).await?;
    if link.is_some() {
        ticket_tag::Entity::delete_many()
            .filter(ticket_tag::Entity::link(tenant, ticket.id, tag.id))
            .exec(&tx)
            .await?;
        ticket_links_changed(&tx, tenant, tag.id, -1).await?;
        let detail = Detail {
            ticket_id: Some(ticket.id),
            tag_id: Some(tag.id),
            ..Detail::default()
        };
        activity::record(
            &tx,
            viewer,
            ticket.conversation_id,
            ActivityType::TicketUpdated,
            detail,
        )
        .await?;
    }
    let linked = Linked {
        ticket: find_ticket(&tx, tenant, ticket.id).await?,
        tag: find_tag(&tx, tenant, tag.id).await?,
        link,
    };
    tx.commit().await?;
    Ok(linked)
}

/// Marks a ticket read (or unread again) for the team, and returns it with the
/// tenant's unread count after the change.
pub async fn mark_read(
    db: &DatabaseConnection,
    viewer: &Viewer,
    ticket_id: i64,
    unread: bool,
) -> Result<(ticket::Model, i64)> {
    let tx = begin(db).await?;
    let tenant = &viewer.tenant;
    let ticket = find_ticket(&tx, tenant, ticket_id).await?;
    if ticket.unread != unread {
        let changed = ticket::Entity::update_many()
            .col_expr(ticket::Column::Unread, Expr::value(unread))
            .filter(ticket::Column::TenantId.eq(tenant.as_ref()))
            .filter(ticket::Column::Id.eq(ticket.id))
            .filter(ticket::Column::Unread.eq(ticket.unread))
            .exec(&tx)
            .await?;
        // A concurrent mark already made the same change, and its entry.
        if changed.rows_affected > 0 {
            let kind = if unread {
                ActivityType::TicketUnread
            } else {
                ActivityType::TicketRead
            };
            let detail = Detail {
                ticket_id: Some(ticket.id),
                ..Detail::default()
            };
            activity::record(&tx, viewer, ticket.conversation_id, kind, detail).await?;
        }
    }
    let count = unread_count(&tx, tenant).await?;
    let ticket = ticket::Model { unread, ..ticket };
    tx.commit().await?;
    Ok((ticket, count))
}

/// The statuses whose unread tickets `unreadTicketCount` counts: those still waiting
/// on the team.
pub const UNREAD_COUNTED: [TicketStatus; 4] = [
    TicketStatus::New,
    TicketStatus::Open,
    TicketStatus::Pending,
    TicketStatus::OnHold,
];

/// How many of the tenant's tickets in [`UNREAD_COUNTED`] statuses are unread.
pub async fn unread_count(db: &impl ConnectionTrait, tenant: &str) -> Result<i64> {
    let count = scoped::<ticket::Entity>(tenant)
        .filter(ticket::Column::Unread.eq(true))
        .filter(ticket::Column::Status.is_in(UNREAD_COUNTED))
        .count(db)
        .await?;
    Ok(count as i64)
}
