//! Custom attribute values of conversations (`service::attributes`).

mod set_custom_attributes;

use async_graphql::MergedObject;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct AttributeWrites(set_custom_attributes::SetCustomAttributesMutation);
