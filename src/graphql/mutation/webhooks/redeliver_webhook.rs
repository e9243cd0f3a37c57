//! `redeliverWebhook`: post a delivery again.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use crate::auth::Scope;
use crate::error::UserError;
use crate::graphql::mutation::{input_id, settle};
use crate::graphql::types::webhook_delivery::WebhookDelivery;
use crate::graphql::{require, writer};
use crate::ids::NodeKind;
use crate::service::webhooks::redeliver;

/// Input of `redeliverWebhook`.
#[derive(InputObject)]
pub struct RedeliverWebhookInput {
    /// The delivery to post again (any status).
    pub delivery_id: ID,
    /// Echoed back in the payload.
    pub client_mutation_id: Option<String>,
}

/// Result of `redeliverWebhook`.
#[derive(SimpleObject)]
pub struct RedeliverWebhookPayload {
    /// The delivery, PENDING and due now.
    pub delivery: Option<WebhookDelivery>,
    /// Why it was not queued (INVALID_STATE: the endpoint is disabled).
    pub user_errors: Vec<UserError>,
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
}

#[derive(Default)]
pub struct RedeliverWebhookMutation;

#[Object]
impl RedeliverWebhookMutation {
    /// Posts a delivery again within a second, with the same `webhook-id` and a new
    /// timestamp and signature; one attempt, no retries after it. Needs `admin`.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery to post again.")] input: RedeliverWebhookInput,
    ) -> Result<RedeliverWebhookPayload> {
        let viewer = require(ctx, Scope::Admin)?;
        let id = input_id(&input.delivery_id, NodeKind::WebhookDelivery)?;
        let (delivery, user_errors) = settle(redeliver(writer(ctx)?, viewer, id).await)?;
        Ok(RedeliverWebhookPayload {
            delivery: delivery.map(WebhookDelivery),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
