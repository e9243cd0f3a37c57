//! `Tag`: a topic label on conversations and tickets.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::TagState;
use entity::tag;

use super::at;
use crate::error::Error;
use crate::graphql::{Read, loaders, rows, viewer};
use crate::ids::NodeKind;
use crate::loader::{SimilarTags, TagVocabulary};
use crate::pagination::MAX_PAGE_SIZE;
use crate::text::topics::topics;

pub struct Tag(pub tag::Model);

/// A topic label, unique per tenant regardless of case.
#[Object(guard = "Read::Reference")]
impl Tag {
    /// The tag's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::Tag.id(self.0.id)
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// INACTIVE tags stay on what they label but cannot be added anew.
    async fn state(&self) -> TagState {
        self.0.state
    }

    /// Whether the tag is relevant for reporting.
    async fn relevant(&self) -> bool {
        self.0.relevant
    }

    /// Importance score of the tag.
    async fn score(&self) -> f64 {
        self.0.score
    }

    /// Number of tickets labelled with it.
    async fn tickets_count(&self) -> i64 {
        self.0.tickets_count
    }

    /// Number of conversations labelled with it.
    async fn conversations_count(&self) -> i64 {
        self.0.conversations_count
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }

    /// Tags that label the same tickets and conversations as this one, most shared first.
    #[graphql(complexity = "crate::limits::connection_cost(Some(first), None, child_complexity)")]
    async fn similar_tags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many tags to return (at most 100).", default = 5)] first: i32,
    ) -> Result<Vec<Tag>> {
        let first = usize::try_from(first)
            .ok()
            .filter(|n| *n as u64 <= MAX_PAGE_SIZE)
            .ok_or_else(|| {
                Error::bad_input(format!("`first` must be between 0 and {MAX_PAGE_SIZE}"))
            })?;
        let key = SimilarTags {
            tenant: viewer(ctx)?.tenant.clone(),
            tag: self.0.id,
        };
        let similar = loaders(ctx)?
            .load_one(key)
            .await
            .map_err(Error::from)?
            .unwrap_or_default();
        let ids: Vec<i64> = similar.iter().take(first).map(|s| s.other).collect();
        let mut found = rows::<tag::Entity>(ctx, ids.clone()).await?;
        Ok(ids
            .into_iter()
            .filter_map(|id| found.remove(&id))
            .map(Tag)
            .collect())
    }
}

/// A tag a text is about: every word of its name is among the text's key phrases.
#[derive(SimpleObject)]
pub struct Topic {
    /// The tag.
    pub tag: Tag,
    /// How central the tag is to the text, 0 to 1: 1 when its words are the text's
    /// most important key phrase, towards 0 the further down they rank.
    pub relevance: f64,
}

/// The tenant's active tags that `text` (in `language`) is about, most relevant
/// first, except those in `except`.
pub(crate) async fn topics_of(
    ctx: &Context<'_>,
    text: &str,
    language: Option<&str>,
    except: &[i64],
) -> Result<Vec<Topic>> {
    let key = TagVocabulary {
        tenant: viewer(ctx)?.tenant.clone(),
    };
    let Some(known) = loaders(ctx)?.load_one(key).await.map_err(Error::from)? else {
        return Ok(Vec::new());
    };
    Ok(topics(text, language, &known.vocabulary)
        .into_iter()
        .filter(|t| !except.contains(&t.tag_id))
        .filter_map(|t| {
            let tag = known.tags.get(&t.tag_id)?.clone();
            Some(Topic {
                tag: Tag(tag),
                relevance: t.relevance,
            })
        })
        .collect())
}
