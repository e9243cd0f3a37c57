//! Custom attributes: the tenant's definitions and conversations' values
//! (`service::attributes`).

mod create_custom_attribute_definition;
mod set_custom_attributes;
mod update_custom_attribute_definition;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct AttributeWrites(
    set_custom_attributes::SetCustomAttributesMutation,
    create_custom_attribute_definition::CreateCustomAttributeDefinitionMutation,
    update_custom_attribute_definition::UpdateCustomAttributeDefinitionMutation,
);
