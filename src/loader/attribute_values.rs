//! A conversation's custom attribute values (all of them; there are few).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::conversation_attribute_value as value;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use super::{DbLoader, LoadError, by_tenant};
use crate::db::scoped;

/// Key: the attribute values of conversation `conversation`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AttributeValuesByConversation {
    pub tenant: Arc<str>,
    pub conversation: i64,
}

impl Loader<AttributeValuesByConversation> for DbLoader {
    type Value = Vec<value::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AttributeValuesByConversation],
    ) -> Result<HashMap<AttributeValuesByConversation, Self::Value>, LoadError> {
        let mut out = HashMap::with_capacity(keys.len());
        for (tenant, ids) in by_tenant(keys, |k| &k.tenant, |k| k.conversation) {
            let rows = scoped::<value::Entity>(&tenant)
                .filter(value::Column::ConversationId.is_in(ids.iter().copied()))
                .order_by_asc(value::Column::DefinitionId)
                .all(&self.db)
                .await
                .map_err(|e| Arc::new(e.into()))?;
            let mut grouped: HashMap<i64, Vec<value::Model>> = HashMap::new();
            for row in rows {
                grouped.entry(row.conversation_id).or_default().push(row);
            }
            for id in ids {
                let key = AttributeValuesByConversation {
                    tenant: tenant.clone(),
                    conversation: id,
                };
                out.insert(key, grouped.remove(&id).unwrap_or_default());
            }
        }
        Ok(out)
    }
}
