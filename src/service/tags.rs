//! The rules of tags: names unique per tenant regardless of case.

use entity::enums::TagState;
use entity::tag;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, NotSet, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};

use super::idempotency::{self, Key};
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
        return Err(UserError::new(
            UserErrorCode::DuplicateName,
            &["name"],
            "a tag with this name already exists",
        )
        .into());
    }
    Ok(())
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
        && let Some(Created { tag }) = idempotency::recall(&tx, viewer, key).await?
    {
        return scoped::<tag::Entity>(&viewer.tenant)
            .filter(tag::Column::Id.eq(tag))
            .one(&tx)
            .await?
            .ok_or_else(|| Error::NotFound("tag".into()));
    }
    let (name, name_key) = valid_name(&input.name)?;
    if !input.score.is_finite() {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["score"],
            "the score must be a number",
        )
        .into());
    }
    check_name_free(&tx, &viewer.tenant, &name_key, None).await?;
    let created = tag::ActiveModel {
        id: NotSet,
        tenant_id: Set(viewer.tenant.to_string()),
        name: Set(name),
        name_key: Set(name_key),
        state: Set(TagState::Active),
        relevant: Set(input.relevant),
        score: Set(input.score),
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
