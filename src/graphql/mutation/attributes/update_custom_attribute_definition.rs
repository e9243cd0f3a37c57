//! `updateCustomAttributeDefinition`: rename a custom field or change a SELECT's
//! options (needs `admin`).

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::custom_attribute::CustomAttributeDefinition;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::attributes::{DefinitionChanges, redefine};

/// Input of `updateCustomAttributeDefinition`.
#[derive(InputObject)]
pub struct UpdateCustomAttributeDefinitionInput {
    /// The definition to change.
    pub definition_id: ID,
    /// A new name (1 to 200 characters).
    pub name: Option<String>,
    /// The SELECT's options from now on (1 to 100, distinct). An option still chosen
    /// on a conversation cannot be left out.
    pub options: Option<Vec<String>>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `updateCustomAttributeDefinition`.
#[derive(SimpleObject)]
pub struct UpdateCustomAttributeDefinitionPayload {
    /// The definition as it is now (null when refused).
    pub definition: Option<CustomAttributeDefinition>,
    /// Why the change was refused, if it was.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct UpdateCustomAttributeDefinitionMutation;

#[Object]
impl UpdateCustomAttributeDefinitionMutation {
    /// Renames a custom attribute or changes a SELECT's options. Its identifier and
    /// kind stay: values are stored under them. Removing an option that
    /// conversations still have chosen is INVALID_VALUE.
    async fn update_custom_attribute_definition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The definition and what to change.")]
        input: UpdateCustomAttributeDefinitionInput,
    ) -> Result<UpdateCustomAttributeDefinitionPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let changes = DefinitionChanges {
            definition_id: input_id(&input.definition_id, NodeKind::CustomAttributeDefinition)?,
            name: input.name,
            options: input.options,
        };
        let (definition, user_errors) = settle(redefine(writer(ctx)?, viewer, changes).await)?;
        Ok(UpdateCustomAttributeDefinitionPayload {
            definition: definition.map(CustomAttributeDefinition),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
