//! Satisfaction ratings: offered to the customer, then submitted once.
//!
//! A rating may be offered on a CLOSED conversation: satisfaction surveys are usually
//! sent when a conversation is closed, so the closed-conversation rule does not apply.
//! The score range depends on the rating type: CSAT 1 to 5, THUMBS_UP_OR_DOWN 0
//! (down) or 1 (up). Submitting is a conditional update on the OFFERED status, so of
//! concurrent submits exactly one wins and the others get ALREADY_SUBMITTED.

use entity::enums::{ActivityType, RatingStatus, RatingType};
use entity::rating;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait,
    NotSet, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};

use super::activity::{self, Detail};
use super::idempotency::{self, Key};
use super::rules::{MAX_LANGUAGE, find_agent, find_conversation, find_in};
use super::{begin, now};
use crate::auth::Viewer;
use crate::error::{Error, Result, UserError, UserErrorCode};

/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 5_000;

/// What `offer` is asked to do.
#[derive(Debug, Serialize)]
pub struct Offer {
    pub conversation_id: i64,
    pub rating_type: RatingType,
    /// The language of the survey; the conversation's when `None`.
    pub language: Option<String>,
    /// The agent being rated; the conversation's assignee, else the viewer, when `None`.
    pub agent_id: Option<i64>,
}

/// The scores a rating type allows.
pub fn score_range(rating_type: RatingType) -> std::ops::RangeInclusive<i32> {
    match rating_type {
        RatingType::Csat => 1..=5,
        RatingType::ThumbsUpOrDown => 0..=1,
    }
}

/// The rating `id` of the tenant, or NOT_FOUND.
pub async fn find_rating(tx: &DatabaseTransaction, tenant: &str, id: i64) -> Result<rating::Model> {
    find_in::<rating::Entity>(tx, tenant, id, "rating").await
}

#[derive(Serialize, Deserialize)]
struct Offered {
    rating: i64,
}

/// Offers a rating to the conversation's requester (idempotently when the client
/// sends a key).
pub async fn offer(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Offer,
    idempotency_key: Option<&str>,
) -> Result<rating::Model> {
    let key = Key::new(idempotency_key, "offerRating", &input)?;
    let tx = begin(db).await?;
    if let Some(key) = &key
        && let Some(Offered { rating }) = idempotency::reserve(&tx, viewer, key).await?
    {
        return find_rating(&tx, &viewer.tenant, rating).await;
    }
    let conversation = find_conversation(&tx, &viewer.tenant, input.conversation_id).await?;
    let agent_id = match input.agent_id {
        Some(id) => find_agent(&tx, &viewer.tenant, id).await?.id,
        None => conversation.assignee_id.unwrap_or(viewer.agent_id),
    };
    let language = match input.language.as_deref().map(str::trim) {
        Some(language) if language.is_empty() || language.chars().count() > MAX_LANGUAGE => {
            return Err(UserError::new(
                UserErrorCode::InvalidValue,
                &["language"],
                format!("a language tag is 1 to {MAX_LANGUAGE} characters, e.g. `en`"),
            )
            .into());
        }
        Some(language) => Some(language.to_owned()),
        None => conversation.language.clone(),
    };
    let offered = rating::ActiveModel {
        id: NotSet,
        tenant_id: Set(viewer.tenant.to_string()),
        conversation_id: Set(conversation.id),
        rating_type: Set(input.rating_type),
        status: Set(RatingStatus::Offered),
        score: Set(None),
        comment: Set(None),
        agent_id: Set(Some(agent_id)),
        contact_id: Set(conversation.requester_id),
        language: Set(language),
        offered_at: Set(now()),
        submitted_at: Set(None),
    }
    .insert(&tx)
    .await?;
    let detail = Detail {
        rating_id: Some(offered.id),
        agent_id: Some(agent_id),
        ..Detail::default()
    };
    activity::record(
        &tx,
        viewer,
        Some(conversation.id),
        ActivityType::RatingOffered,
        detail,
    )
    .await?;
    if let Some(key) = &key {
        idempotency::remember(&tx, viewer, key, &Offered { rating: offered.id }).await?;
    }
    tx.commit().await?;
    Ok(offered)
}

/// What `submit` is asked to record.
#[derive(Debug)]
pub struct Submission {
    pub rating_id: i64,
    pub score: i32,
    pub comment: Option<String>,
}

fn already_submitted() -> Error {
    UserError::new(
        UserErrorCode::AlreadySubmitted,
        &["ratingId"],
        "the rating was already submitted",
    )
    .into()
}

/// Records the customer's answer to an offered rating, once.
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: Submission,
) -> Result<rating::Model> {
    let tx = begin(db).await?;
    let offered = find_rating(&tx, &viewer.tenant, input.rating_id).await?;
    if offered.status == RatingStatus::Submitted {
        return Err(already_submitted());
    }
    let range = score_range(offered.rating_type);
    if !range.contains(&input.score) {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["score"],
            format!(
                "a {} score is {} to {}",
                match offered.rating_type {
                    RatingType::Csat => "CSAT",
                    RatingType::ThumbsUpOrDown => "THUMBS_UP_OR_DOWN",
                },
                range.start(),
                range.end()
            ),
        )
        .into());
    }
    let comment = input
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT) {
        return Err(UserError::new(
            UserErrorCode::InvalidValue,
            &["comment"],
            format!("at most {MAX_COMMENT} characters"),
        )
        .into());
    }
    let updated = rating::Entity::update_many()
        .col_expr(rating::Column::Status, Expr::value(RatingStatus::Submitted))
        .col_expr(rating::Column::Score, Expr::value(input.score))
        .col_expr(
            rating::Column::Comment,
            Expr::value(comment.map(str::to_owned)),
        )
        .col_expr(rating::Column::SubmittedAt, Expr::value(now()))
        .filter(
            Condition::all()
                .add(rating::Column::TenantId.eq(viewer.tenant.as_ref()))
                .add(rating::Column::Id.eq(offered.id))
                .add(rating::Column::Status.eq(RatingStatus::Offered)),
        )
        .exec(&tx)
        .await?;
    if updated.rows_affected == 0 {
        // Another submit committed first.
        return Err(already_submitted());
    }
    let detail = Detail {
        rating_id: Some(offered.id),
        ..Detail::default()
    };
    activity::record(
        &tx,
        viewer,
        Some(offered.conversation_id),
        ActivityType::RatingSubmitted,
        detail,
    )
    .await?;
    let submitted = find_rating(&tx, &viewer.tenant, offered.id).await?;
    tx.commit().await?;
    Ok(submitted)
}
