//! `createCustomAttributeDefinition`: a new custom field on conversations (needs `admin`).

use async_graphql::connection::{Edge, EmptyFields};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use entity::enums::AttributeKind;

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::edges::definition_edge;
use crate::graphql::mutation::settle;
use crate::graphql::types::custom_attribute::CustomAttributeDefinition;
use crate::graphql::{require, writer};
use crate::pagination::Cursor;
use crate::service::attributes::{NewDefinition, define};

/// Input of `createCustomAttributeDefinition`.
#[derive(InputObject)]
pub struct CreateCustomAttributeDefinitionInput {
    /// Machine name, unique within the tenant and never changed: a lowercase letter,
    /// then lowercase letters, digits and `_` (at most 64), e.g. `order_id`.
    pub identifier: String,
    /// Human-readable name (1 to 200 characters).
    pub name: String,
    /// Free text, or a choice among `options`.
    pub kind: AttributeKind,
    /// The allowed values of a SELECT (1 to 100, distinct); none for TEXT.
    #[graphql(default)]
    pub options: Vec<String>,
    /// Makes retries safe: the same key with the same input returns the first result.
    pub idempotency_key: Option<String>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `createCustomAttributeDefinition`.
#[derive(SimpleObject)]
pub struct CreateCustomAttributeDefinitionPayload {
    /// The new definition (null when refused).
    pub definition: Option<CustomAttributeDefinition>,
    /// Its edge in `customAttributeDefinitions`, to insert into a cached list.
    pub definition_edge: Option<Edge<Cursor, CustomAttributeDefinition, EmptyFields>>,
    /// Why it was not created, if it was not.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct CreateCustomAttributeDefinitionMutation;

#[Object]
impl CreateCustomAttributeDefinitionMutation {
    /// Defines a custom attribute for the tenant's conversations, to be set with
    /// `setCustomAttributes`. An identifier in use is DUPLICATE_NAME.
    async fn create_custom_attribute_definition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The attribute to define.")] input: CreateCustomAttributeDefinitionInput,
    ) -> Result<CreateCustomAttributeDefinitionPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let new = NewDefinition {
            identifier: input.identifier,
            name: input.name,
            kind: input.kind,
            options: input.options,
        };
        let outcome = define(writer(ctx)?, viewer, new, input.idempotency_key.as_deref()).await;
        let (definition, user_errors) = settle(outcome)?;
        Ok(CreateCustomAttributeDefinitionPayload {
            definition_edge: definition.as_ref().map(definition_edge),
            definition: definition.map(CustomAttributeDefinition),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
