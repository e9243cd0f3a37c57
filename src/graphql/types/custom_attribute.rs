//! Custom attributes: tenant-defined fields on conversations.

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::enums::AttributeKind;
use entity::{conversation_attribute_value, custom_attribute_definition as definition};

use super::at;
use crate::graphql::{Read, row};
use crate::ids::NodeKind;

pub struct CustomAttributeDefinition(pub definition::Model);

/// Parses a stored JSON list of strings.
pub fn string_list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// A custom field the tenant defined for conversations.
#[Object(guard = "Read::Reference")]
impl CustomAttributeDefinition {
    /// The definition's global ID.
    #[graphql(guard = "Read::Id")]
    pub async fn id(&self) -> ID {
        NodeKind::CustomAttributeDefinition.id(self.0.id)
    }

    /// Stable machine name, unique within the tenant (e.g. `order_id`).
    async fn identifier(&self) -> &str {
        &self.0.identifier
    }

    /// Human-readable name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Free text, or a choice among `options`.
    async fn kind(&self) -> AttributeKind {
        self.0.kind
    }

    /// The allowed values of a SELECT attribute (empty for TEXT).
    async fn options(&self) -> Vec<String> {
        string_list(&self.0.options)
    }

    /// When it was defined.
    async fn created_at(&self) -> DateTime<Utc> {
        at(self.0.created_at)
    }
}

pub struct CustomAttributeValue(pub conversation_attribute_value::Model);

/// A conversation's value for one custom attribute.
#[Object(guard = "Read::Conversations")]
impl CustomAttributeValue {
    /// Which attribute this is a value of.
    async fn definition(&self, ctx: &Context<'_>) -> Result<Option<CustomAttributeDefinition>> {
        Ok(row::<definition::Entity>(ctx, Some(self.0.definition_id))
            .await?
            .map(CustomAttributeDefinition))
    }

    /// The value of a TEXT attribute.
    async fn text(&self) -> Option<&str> {
        self.0.text.as_deref()
    }

    /// The chosen options of a SELECT attribute.
    async fn values(&self) -> Vec<String> {
        string_list(&self.0.values)
    }

    /// When the value last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        at(self.0.updated_at)
    }
}
