//! The rules of tags: names unique per tenant regardless of case, and the derived
//! `ticketsCount` and `score` kept equal to what the ticket links say.
//!
//! A tag's `score` is how salient it is across its tickets: the mean `salience` of
//! its ticket links, recomputed whenever one is added, changed or removed (0 once no
//! ticket carries it). Until then it is the score the tag was created or updated with.
//! Tag changes concern no conversation, so they write no Activity entry.

use entity::enums::TagState;
use entity::{tag, ticket_tag};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait,
    NotSet, QueryFilter, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::idempotency::{self, Key};
use super::rules::find_in;
use super::{begin, now};
use crate::auth::Viewer;
use crate::db::scoped;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// Longest tag name.
pub const MAX_NAME: usize = 100;

/// What `create` is asked to make.
#[derive(Debug, Serialize)]
pub struct NewTag {
    pub name: String,
    pub relevant: bool,
    pub score: f64,
}

/// A valid, trimmed tag name and its case-insensitive key.
pub fn valid_name(name: &str) -> Result<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["name"],
            format!("a tag name must be 1 to {MAX_NAME} characters"),
        )
        .into());
    }
    Ok((name.to_owned(), name.to_lowercase()))
}

/// Refuses a name another tag of the tenant has (ignoring case), other than `except`.
pub async fn check_name_free(
    tx: &DatabaseTransaction,
    tenant: &str,
    key: &str,
    except: Option<i64>,
) -> Result<()> {
    let mut select = scoped::<tag::Entity>(tenant).filter(tag::Column::NameKey.eq(key));
    if let Some(id) = except {
        select = select.filter(tag::Column::Id.ne(id));
    }
    if select.one(tx).await?.is_some() {
        return Err(UserError::duplicate_tag_name().into());
    }
    Ok(())
}

/// The tag `id` of the tenant, or NOT_FOUND.
pub async fn find_tag(tx: &DatabaseTransaction, tenant: &str, id: i64) -> Result<tag::Model> {
    find_in::<tag::Entity>(tx, tenant, id, "tag").await
}

fn valid_score(score: f64) -> Result<f64> {
    if !score.is_finite() {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["score"],
            "the score must be a number",
        )
        .into());
    }
    Ok(score)
}

#[derive(Serialize, Deserialize)]
struct Created {
    tag: i64,
}

/// Creates a tag (idempotently when the client sends a key).
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: NewTag,
    idempotency_key: Option<&str>,
) -> Result<tag::Model> {
    let key = Key::new(idempotency_key, "createTag", &input)?;
    let tx = begin(db).await?;
    if let Some(key) = &key
        && let Some(Created { tag }) = idempotency::reserve(&tx, viewer, key).await?
    {
        return scoped::<tag::Entity>(&viewer.tenant)
            .filter(tag::Column::Id.eq(tag))
            .one(&tx)
            .await?
            .ok_or_else(|| Error::NotFound("tag".into()));
    }
    let (name, name_key) = valid_name(&input.name)?;
    let score = valid_score(input.score)?;
    check_name_free(&tx, &viewer.tenant, &name_key, None).await?;
    let created = tag::ActiveModel {
        id: NotSet,
        tenant_id: Set(viewer.tenant.to_string()),
        name: Set(name),
        name_key: Set(name_key),
        state: Set(TagState::Active),
        relevant: Set(input.relevant),
        score: Set(score),
        tickets_count: Set(0),
        conversations_count: Set(0),
        created_at: Set(now()),
    }
    .insert(&tx)
    .await?;
    if let Some(key) = &key {
        idempotency::remember(&tx, viewer, key, &Created { tag: created.id }).await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// What `update` is asked to change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct TagChanges {
    pub tag_id: i64,
    pub name: Option<String>,
    pub state: Option<TagState>,
    pub relevant: Option<bool>,
    pub score: Option<f64>,
}

/// Renames, retires (INACTIVE) or revives (ACTIVE) a tag, or changes its reporting
/// fields. The name rules of `create` apply, the tag's own name excepted.
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: TagChanges,
) -> Result<tag::Model> {
    let tx = begin(db).await?;
    let current = find_tag(&tx, &viewer.tenant, input.tag_id).await?;
    let mut row: tag::ActiveModel = current.clone().into();
    if let Some(name) = &input.name {
        let (name, name_key) = valid_name(name)?;
        check_name_free(&tx, &viewer.tenant, &name_key, Some(current.id)).await?;
        row.name = Set(name);
        row.name_key = Set(name_key);
    }
    if let Some(state) = input.state {
        row.state = Set(state);
    }
    if let Some(relevant) = input.relevant {
        row.relevant = Set(relevant);
    }
    if let Some(score) = input.score {
        row.score = Set(valid_score(score)?);
    }
    let updated = if row.is_changed() {
        row.update(&tx).await?
    } else {
        current
    };
    tx.commit().await?;
    Ok(updated)
}

/// Keeps a tag's `ticketsCount` and `score` true after `delta` ticket links were
/// added (or removed, when negative) and salience may have changed.
///
/// The increment runs first: it locks the tag row, so concurrent link changes of the
/// same tag queue here, and the mean read after it sees every committed link.
pub async fn ticket_links_changed(
    tx: &DatabaseTransaction,
    tenant: &str,
    tag_id: i64,
    delta: i64,
) -> Result<()> {
    let this_tag = || {
        Condition::all()
            .add(tag::Column::TenantId.eq(tenant))
            .add(tag::Column::Id.eq(tag_id))
    };
    tag::Entity::update_many()
        .col_expr(
            tag::Column::TicketsCount,
            Expr::col(tag::Column::TicketsCount).add(delta),
        )
        .filter(this_tag())
        .exec(tx)
        .await?;
    let mean: Option<Option<f64>> = ticket_tag::Entity::find()
        .filter(ticket_tag::Column::TenantId.eq(tenant))
        .filter(ticket_tag::Column::TagId.eq(tag_id))
        .select_only()
        .column_as(ticket_tag::Column::Salience.avg(), "mean")
        .into_tuple()
        .one(tx)
        .await?;
    tag::Entity::update_many()
        .col_expr(
            tag::Column::Score,
            Expr::value(mean.flatten().unwrap_or(0.0)),
        )
        .filter(this_tag())
        .exec(tx)
        .await?;
    Ok(())
}
