//! `setCustomAttributes`: set or remove custom attribute values of a conversation.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::conversation::Conversation;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::attributes::{AttributeValue, SetAttributes, set};

/// One custom attribute's new value. Giving neither `text` nor `values` (or empty
/// ones) removes the attribute from the conversation.
#[derive(InputObject)]
pub struct CustomAttributeValueInput {
    /// The attribute (a CustomAttributeDefinition).
    pub definition_id: ID,
    /// The value of a TEXT attribute (at most 1000 characters).
    pub text: Option<String>,
    /// The chosen options of a SELECT attribute, each one of the definition's `options`.
    pub values: Option<Vec<String>>,
}

/// Input of `setCustomAttributes`.
#[derive(InputObject)]
pub struct SetCustomAttributesInput {
    /// The conversation to change.
    pub conversation_id: ID,
    /// The values to set or remove; attributes not listed keep their values.
    pub values: Vec<CustomAttributeValueInput>,
    /// Refuse with CONFLICT unless the conversation's `updatedAt` is still this.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `setCustomAttributes`.
#[derive(SimpleObject)]
pub struct SetCustomAttributesPayload {
    /// The conversation with its `customAttributes` as they are now (null when refused).
    pub conversation: Option<Conversation>,
    /// Every value that was refused, e.g. field `["input", "values", "1", "values"]`;
    /// when there is one, nothing was written.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct SetCustomAttributesMutation;

#[Object]
impl SetCustomAttributesMutation {
    /// Sets or removes custom attribute values of a conversation, all or nothing: each
    /// value is checked against its definition (TEXT takes `text`, SELECT takes `values`
    /// among its options), and one bad value (INVALID_VALUE) means nothing is written.
    /// A CLOSED conversation must be reopened first (CONVERSATION_CLOSED).
    async fn set_custom_attributes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversation and its new values.")] input: SetCustomAttributesInput,
    ) -> Result<SetCustomAttributesPayload> {
        let viewer = require(ctx, Scope::ConversationWrite)?;
        let values = input
            .values
            .into_iter()
            .map(|v| {
                Ok(AttributeValue {
                    definition_id: input_id(&v.definition_id, NodeKind::CustomAttributeDefinition)?,
                    text: v.text,
                    values: v.values,
                })
            })
            .collect::<crate::error::Result<_>>()?;
        let request = SetAttributes {
            conversation_id: input_id(&input.conversation_id, NodeKind::Conversation)?,
            values,
            expected_updated_at: input.expected_updated_at,
        };
        let (outcome, mut user_errors) = settle(set(writer(ctx)?, viewer, request).await)?;
        let conversation = match outcome {
            Some(Ok(conversation)) => Some(Conversation(conversation)),
            Some(Err(refused)) => {
                user_errors.extend(refused);
                None
            }
            None => None,
        };
        Ok(SetCustomAttributesPayload {
            conversation,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
