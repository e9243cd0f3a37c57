//! `deleteWebhookEndpoint`: stop posting to an endpoint and forget its log.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::webhooks::delete;

/// Input of `deleteWebhookEndpoint`.
#[derive(InputObject)]
pub struct DeleteWebhookEndpointInput {
    /// The endpoint to delete.
    pub id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `deleteWebhookEndpoint`.
#[derive(SimpleObject)]
pub struct DeleteWebhookEndpointPayload {
    /// The ID of the deleted endpoint.
    pub deleted_endpoint_id: Option<ID>,
    /// Why it was not deleted.
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct DeleteWebhookEndpointMutation;

#[Object]
impl DeleteWebhookEndpointMutation {
    /// Deletes a webhook endpoint with its delivery log; nothing more is posted to
    /// it (an attempt in flight finishes). Needs `admin`.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint to delete.")] input: DeleteWebhookEndpointInput,
    ) -> Result<DeleteWebhookEndpointPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let id = input_id(&input.id, NodeKind::WebhookEndpoint)?;
        let (deleted, user_errors) = settle(delete(writer(ctx)?, viewer, id).await)?;
        Ok(DeleteWebhookEndpointPayload {
            deleted_endpoint_id: deleted.map(|id| NodeKind::WebhookEndpoint.id(id)),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
