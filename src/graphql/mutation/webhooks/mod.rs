//! Webhook endpoints and redeliveries (`service::webhooks`). Every mutation here
//! needs the `admin` scope.

mod create_webhook_endpoint;
mod delete_webhook_endpoint;
mod redeliver_webhook;
mod rotate_webhook_endpoint_secret;
mod update_webhook_endpoint;

use async_graphql::{Context, MergedObject};

use crate::config::WebhookOptions;

/// The mutations of this service.
#[derive(MergedObject, Default)]
pub struct WebhookWrites(
    create_webhook_endpoint::CreateWebhookEndpointMutation,
    update_webhook_endpoint::UpdateWebhookEndpointMutation,
    delete_webhook_endpoint::DeleteWebhookEndpointMutation,
    rotate_webhook_endpoint_secret::RotateWebhookEndpointSecretMutation,
    redeliver_webhook::RedeliverWebhookMutation,
);

/// Whether the operator allows endpoints on private addresses.
fn allow_private(ctx: &Context<'_>) -> bool {
    ctx.data::<WebhookOptions>()
        .is_ok_and(|options| options.allow_private_addresses)
}
