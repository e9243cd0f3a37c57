//! The tenant's active tags as a topic vocabulary, loaded once per request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::enums::TagState;
use entity::tag;
use sea_orm::{ColumnTrait, QueryFilter};

use super::{DbLoader, LoadError};
use crate::db::scoped;
use crate::text::topics::Vocabulary;

/// Key: the vocabulary of `tenant`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TagVocabulary {
    pub tenant: Arc<str>,
}

/// The tenant's active tags, by id, and the vocabulary made of their names.
pub struct Topics {
    pub tags: HashMap<i64, tag::Model>,
    pub vocabulary: Vocabulary,
}

impl Loader<TagVocabulary> for DbLoader {
    type Value = Arc<Topics>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TagVocabulary],
    ) -> Result<HashMap<TagVocabulary, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for key in keys {
            let tags = scoped::<tag::Entity>(&key.tenant)
                .filter(tag::Column::State.eq(TagState::Active))
                .all(&self.db)
                .await
                .map_err(|e| Arc::new(e.into()))?;
            let vocabulary = Vocabulary::new(tags.iter().map(|t| (t.id, t.name.as_str())));
            let tags = tags.into_iter().map(|t| (t.id, t)).collect();
            out.insert(key.clone(), Arc::new(Topics { tags, vocabulary }));
        }
        Ok(out)
    }
}
